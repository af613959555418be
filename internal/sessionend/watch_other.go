//go:build !windows

package sessionend

func watch(func()) (func(), error) { return func() {}, nil }
