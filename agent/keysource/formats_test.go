package keysource

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/zavera/zavera/keyfile"
)

// TestFileOpener: a format that decodes a whole file (PKCS#12) gets the
// file's bytes and the password; files over the bound are refused unread.
func TestFileOpener(t *testing.T) {
	dir := t.TempDir()
	small, big := filepath.Join(dir, "a.pfx"), filepath.Join(dir, "b.pfx")
	os.WriteFile(small, []byte("pfx bytes"), 0o600)
	os.WriteFile(big, make([]byte, maxKeyFileSize+1), 0o600)
	var gotData, gotPassword string
	open := fileOpener(func(data []byte, password string) (*keyfile.Contents, error) {
		gotData, gotPassword = string(data), password
		return &keyfile.Contents{Name: "x"}, nil
	})
	c, err := open(small, "pw")
	if err != nil || c.Name != "x" || gotData != "pfx bytes" || gotPassword != "pw" {
		t.Errorf("open = %v, %v; data %q password %q", c, err, gotData, gotPassword)
	}
	if _, err := open(big, "pw"); !errors.Is(err, keyfile.ErrDamaged) {
		t.Errorf("a file over the bound: %v", err)
	}
	// Until PKCS#12 is registered, .pfx files are refused as unsupported.
	if openers[KindPKCS12] == nil {
		if _, err := KindOf(small); !errors.Is(err, keyfile.ErrUnsupported) {
			t.Errorf("KindOf(.pfx) = %v", err)
		}
	}
}
