package pkcs11

import (
	"os"
	"strconv"
	"strings"
)

// processUsage reads a process's resident memory (bytes) and open file
// descriptors from /proc.
func processUsage(pid int) (rss int64, handles int, ok bool) {
	dir := "/proc/" + strconv.Itoa(pid)
	statm, err := os.ReadFile(dir + "/statm")
	if err != nil {
		return 0, 0, false
	}
	// statm: size resident shared text lib data dt, in pages.
	f := strings.Fields(string(statm))
	if len(f) < 2 {
		return 0, 0, false
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, 0, false
	}
	fds, err := os.ReadDir(dir + "/fd")
	if err != nil {
		return 0, 0, false
	}
	return pages * int64(os.Getpagesize()), len(fds), true
}
