package main

import (
	"io"

	"github.com/zavera/zavera/internal/nativehost"
)

// runNativeHost is the native messaging host run as a command of zavera;
// the browsers' manifests name the zavera-host program, which runs the
// same (package internal/nativehost).
func runNativeHost(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return nativehost.Main(args, stdin, stdout, stderr)
}
