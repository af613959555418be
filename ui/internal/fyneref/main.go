// Command fyneref is the yardstick of the UI benchmark: the usual way to
// build a Fyne tray application. With -mode tray it runs Fyne's app with
// a system tray menu and its event loop, as an agent would that keeps
// Fyne alive all day; with -mode window it opens one plain window, as the
// floor of starting a Fyne window process. It prints "ready" once the
// loop runs (tray) or the window is up (window), as `zavera-ui prompt`
// reports "shown".
package main

import (
	"flag"
	"fmt"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

func main() {
	mode := flag.String("mode", "tray", "tray or window")
	flag.Parse()
	a := app.NewWithID("org.zavera.FyneReference")
	ready := func() {
		fyne.Do(func() { fyne.Do(func() { fmt.Println("ready"); os.Stdout.Sync() }) })
	}
	switch *mode {
	case "tray":
		d, ok := a.(desktop.App)
		if !ok {
			fmt.Fprintln(os.Stderr, "fyneref: no desktop app")
			os.Exit(1)
		}
		d.SetSystemTrayMenu(fyne.NewMenu("Zavera", fyne.NewMenuItem("Open", func() {}), fyne.NewMenuItem("Pause", func() {})))
	case "window":
		w := a.NewWindow("Reference")
		w.SetContent(widget.NewLabel("https://lk.gosuslugi.ru"))
		w.Resize(fyne.NewSize(600, 680))
		w.Show()
	default:
		fmt.Fprintln(os.Stderr, "fyneref: unknown mode", *mode)
		os.Exit(2)
	}
	a.Lifecycle().SetOnStarted(ready)
	a.Run()
}
