//go:build !windows

package tray

import "fyne.io/systray"

// run starts systray with build as its ready callback and waits for
// ready, which build closes. The D-Bus back end runs its own loop, so the
// calling goroutine is free again at once.
func run(build func(), ready <-chan struct{}) (end func(), err error) {
	start, end := systray.RunWithExternalLoop(build, nil)
	start()
	<-ready
	return end, nil
}
