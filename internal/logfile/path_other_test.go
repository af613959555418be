//go:build !windows

package logfile

import "testing"

// Outside Windows the log stays on standard error.
func TestNoPathOutsideWindows(t *testing.T) {
	if p, err := Path(); p != "" || err != nil {
		t.Errorf("Path() = %q, %v; want none", p, err)
	}
}
