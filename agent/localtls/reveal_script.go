//go:build zavera_script

package localtls

import (
	"encoding/hex"
	"os"
)

// revealCAKey writes the scalar where EnvRevealCAKey says; the file must
// exist (the test makes it), so nothing is created elsewhere.
func revealCAKey(scalar []byte) {
	path := os.Getenv(EnvRevealCAKey)
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return
	}
	defer f.Close()
	f.WriteString(hex.EncodeToString(scalar))
}
