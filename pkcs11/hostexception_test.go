package pkcs11

import "testing"

// TestCrashLine: the lines by which a host's Go runtime reports the
// module's crash, on Linux and on Windows, name it; other lines do not.
func TestCrashLine(t *testing.T) {
	for line, want := range map[string]string{
		"SIGSEGV: segmentation violation":                                          "SIGSEGV: segmentation violation",
		"Exception 0xc0000005 0x1 0x0 0x7ffb1c2d3e4f":                              "access violation (exception 0xC0000005)",
		"Exception 0xc00000fd 0x0 0x0 0x0":                                         "stack overflow (exception 0xC00000FD)",
		"Exception 0xe06d7363 0x1 0x0 0x0":                                         "exception 0xE06D7363",
		"NOTE: you should run 'diskperf -y' to enable the disk statistics":         "",
		"pkcs11 host: pkcs11: module failed to load: C:\\x.dll: not a Windows DLL": "",
		"goroutine 1 [syscall]:":                                                   "",
	} {
		if got := crashLine(line); got != want {
			t.Errorf("crashLine(%q) = %q, want %q", line, got, want)
		}
	}
}
