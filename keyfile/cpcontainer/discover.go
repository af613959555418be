package cpcontainer

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
)

// maxScanned bounds the entries Discover reads in one folder, so that a
// drive full of files does not stall it.
const maxScanned = 4096

// containerName matches the folder names CSP gives containers: a name of
// up to eight characters and a three-digit extension ("srv.000").
var containerName = regexp.MustCompile(`(?i)^.{1,64}\.[0-9]{3}$`)

// IsContainer reports whether dir looks like a container folder: it holds
// header.key, primary.key and masks.key. It does not parse them.
func IsContainer(dir string) bool {
	for _, f := range []string{fileHeader, filePrimary, fileMasks} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || !st.Mode().IsRegular() {
			return false
		}
	}
	return true
}

// Discover lists the container folders found where CryptoPro CSP keeps
// them on this system (see Roots) and in the folders given: a folder given
// that is itself a container is listed, else its direct subfolders that
// are. The result is sorted and has no duplicates.
func Discover(folders []string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(dir string) {
		dir = filepath.Clean(dir)
		if !seen[dir] && IsContainer(dir) {
			seen[dir] = true
			out = append(out, dir)
		}
	}
	scan := func(root string, named bool) {
		f, err := os.Open(root)
		if err != nil {
			return
		}
		ents, _ := f.ReadDir(maxScanned)
		f.Close()
		for _, e := range ents {
			if !e.IsDir() && e.Type()&os.ModeSymlink == 0 {
				continue
			}
			if named && !containerName.MatchString(e.Name()) {
				continue
			}
			add(filepath.Join(root, e.Name()))
		}
	}
	for _, r := range Roots() {
		scan(r, true)
	}
	for _, d := range folders {
		if IsContainer(d) {
			add(d)
			continue
		}
		scan(d, false)
	}
	sort.Strings(out)
	return out
}
