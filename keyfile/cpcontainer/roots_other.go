//go:build !linux && !windows

package cpcontainer

import "path/filepath"

// Roots lists the top level of the mounted volumes (/Volumes/*), where
// flash drives with containers appear.
func Roots() []string {
	out, _ := filepath.Glob("/Volumes/*")
	return out
}
