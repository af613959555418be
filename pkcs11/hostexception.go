package pkcs11

import (
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
)

// goException finds the Go runtime's report of an exception it could not
// handle on Windows, such as one in a module's code: "Exception
// 0xc0000005 0x1 0x0 0x7ff...", the runtime then exiting with status 2.
var goException = regexp.MustCompile(`^Exception (0x[0-9a-fA-F]{8})\b`)

// crashLine names the fatal signal or the Windows exception that a line
// of a host's standard error reports; "" when it reports neither.
func crashLine(line string) string {
	if sig := fatalSignal.FindString(line); sig != "" {
		return sig
	}
	if m := goException.FindStringSubmatch(line); m != nil {
		code, err := strconv.ParseUint(m[1], 0, 32)
		if err == nil {
			return exceptionName(uint32(code))
		}
	}
	return ""
}

// exitException names the Windows exception that ended a host whose
// process was ended by it without the Go runtime's report (Windows then
// gives the exception's code as the exit status); "" when err is no such
// exit.
func exitException(err error) string {
	var exit *exec.ExitError
	if runtime.GOOS != "windows" || !errors.As(err, &exit) {
		return ""
	}
	code := uint32(exit.ExitCode())
	if code>>30 != 3 && code != 0x80000003 {
		// Not an NTSTATUS error, nor a breakpoint: an ordinary exit code.
		return ""
	}
	return exceptionName(code)
}

// exceptionName describes an exception code, e.g. "access violation
// (exception 0xC0000005)".
func exceptionName(code uint32) string {
	names := map[uint32]string{
		0x80000003: "breakpoint",
		0xC0000005: "access violation",
		0xC0000006: "in-page error",
		0xC000001D: "illegal instruction",
		0xC0000094: "integer division by zero",
		0xC0000096: "privileged instruction",
		0xC00000FD: "stack overflow",
		0xC0000374: "heap corruption",
		0xC0000409: "stack buffer overrun or fast fail",
	}
	if name, ok := names[code]; ok {
		return fmt.Sprintf("%s (exception 0x%08X)", name, code)
	}
	return fmt.Sprintf("exception 0x%08X", code)
}
