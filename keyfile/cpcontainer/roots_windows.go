package cpcontainer

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
)

// Roots lists the folders whose direct subfolders named like containers
// ("*.000") Discover looks at: the root of every removable drive, and the
// folders where a CryptoPro CSP configured with a folder key store keeps
// its containers for the user (%LOCALAPPDATA%\Crypto Pro) and for the
// machine (%ProgramData%\Crypto Pro), when they exist. Containers CSP
// keeps in the registry are not files and are not listed.
func Roots() []string {
	var out []string
	mask, err := windows.GetLogicalDrives()
	if err == nil {
		for i := 0; i < 26; i++ {
			if mask&(1<<uint(i)) == 0 {
				continue
			}
			root := string(rune('A'+i)) + `:\`
			p, err := windows.UTF16PtrFromString(root)
			if err != nil {
				continue
			}
			if windows.GetDriveType(p) == windows.DRIVE_REMOVABLE {
				out = append(out, root)
			}
		}
	}
	for _, env := range []string{"LOCALAPPDATA", "ProgramData"} {
		if base := os.Getenv(env); base != "" {
			out = append(out, filepath.Join(base, "Crypto Pro"))
		}
	}
	return out
}
