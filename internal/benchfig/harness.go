package benchfig

import (
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// HarnessRate runs a reference harness that prints one line,
// "<operations> <seconds>", and returns operations per second. cmd's
// standard output and error must be unset; its error output goes into the
// error when it fails.
func HarnessRate(cmd *exec.Cmd) (float64, error) {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	name := strings.Join(cmd.Args, " ")
	if err != nil {
		return 0, fmt.Errorf("%s: %v\n%s", name, err, stderr.Bytes())
	}
	fields := strings.Fields(string(out))
	if len(fields) != 2 {
		return 0, fmt.Errorf("%s: unexpected output %q", name, out)
	}
	ops, err1 := strconv.ParseFloat(fields[0], 64)
	el, err2 := strconv.ParseFloat(fields[1], 64)
	if err1 != nil || err2 != nil || el <= 0 {
		return 0, fmt.Errorf("%s: unexpected output %q", name, out)
	}
	return ops / el, nil
}
