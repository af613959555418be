package cpcontainer

import (
	"os"
	"os/user"
	"path/filepath"
)

// Roots lists the folders whose direct subfolders named like containers
// ("*.000") Discover looks at: the top level of every removable drive the
// desktop mounted for the user (/media/$USER/*, /run/media/$USER/*) and
// CryptoPro CSP's key folder of the user (/var/opt/cprocsp/keys/$USER).
func Roots() []string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		return nil
	}
	var out []string
	for _, base := range []string{"/media", "/run/media"} {
		drives, _ := filepath.Glob(filepath.Join(base, name, "*"))
		out = append(out, drives...)
	}
	return append(out, filepath.Join("/var/opt/cprocsp/keys", name))
}
