package main

import (
	"errors"
	"testing"
)

// TestCheckDisplay: X11 and Wayland desktops need DISPLAY or
// WAYLAND_DISPLAY for `serve` to show windows; Windows has neither and
// always shows them.
func TestCheckDisplay(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	for _, tc := range []struct {
		goos string
		vars map[string]string
		want error
	}{
		{"linux", nil, errNoDisplay},
		{"linux", map[string]string{"DISPLAY": ":0"}, nil},
		{"linux", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, nil},
		{"freebsd", nil, errNoDisplay},
		{"windows", nil, nil},
		{"windows", map[string]string{"DISPLAY": ":0"}, nil},
	} {
		if err := checkDisplay(tc.goos, env(tc.vars)); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("checkDisplay(%s, %v) = %v, want %v", tc.goos, tc.vars, err, tc.want)
		}
	}
}
