package cpcontainer

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/zavera/zavera/keyfile"
)

// FuzzOpen feeds arbitrary header.key, masks.key and primary.key files to
// Open and Inspect: they must return the key or one of the package's error
// classes, and never panic. The seeds are the public container's files.
func FuzzOpen(f *testing.F) {
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(vectorDir, name))
		if err != nil {
			f.Fatal(err)
		}
		return data
	}
	header, masks, primary := read(fileHeader), read(fileMasks), read(filePrimary)
	f.Add(header, masks, primary, "")
	f.Add(header, masks, primary, "1")
	f.Add(header[:100], masks, primary, "")
	f.Add([]byte{0x30, 0x00}, []byte{0x30, 0x00}, []byte{0x30, 0x00}, "")
	f.Fuzz(func(t *testing.T, header, masks, primary []byte, password string) {
		dir := t.TempDir()
		for name, data := range map[string][]byte{fileHeader: header, fileMasks: masks, filePrimary: primary} {
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		c, err := Open(dir, password)
		if err == nil {
			if c.Key == nil {
				t.Fatal("no key and no error")
			}
			c.Wipe()
		} else if !errors.Is(err, keyfile.ErrDamaged) && !errors.Is(err, keyfile.ErrWrongPassword) && !errors.Is(err, keyfile.ErrUnsupported) {
			t.Fatalf("Open: error of no class: %v", err)
		}
		if _, err := Inspect(dir); err != nil && !errors.Is(err, keyfile.ErrDamaged) && !errors.Is(err, keyfile.ErrUnsupported) {
			t.Fatalf("Inspect: error of no class: %v", err)
		}
	})
}

// FuzzParse feeds arbitrary bytes to each file's parser alone (without the
// password KDF, so that the fuzzer runs fast): they return a value or
// ErrDamaged, never panic, and what they return fits the format's bounds.
func FuzzParse(f *testing.F) {
	for _, name := range []string{fileHeader, fileMasks, filePrimary, fileName, fileMasks2, filePrimary2} {
		data, err := os.ReadFile(filepath.Join(vectorDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte{0x30, 0x80})
	f.Fuzz(func(t *testing.T, data []byte) {
		if h, err := parseHeader(data); err == nil {
			if len(h.fp) != fpSize || h.keyOID == nil || h.curveOID == nil {
				t.Fatalf("header accepted without its required fields: %+v", h)
			}
		} else if !errors.Is(err, keyfile.ErrDamaged) {
			t.Fatalf("parseHeader: %v", err)
		}
		for _, size := range []int{32, 64} {
			if m, s, err := parseMasks(fileMasks, data, size); err == nil {
				if len(m) != size || len(s) == 0 || len(s) > maxSaltSize {
					t.Fatalf("masks out of bounds: %d %d", len(m), len(s))
				}
			} else if !errors.Is(err, keyfile.ErrDamaged) {
				t.Fatalf("parseMasks: %v", err)
			}
			if k, err := parsePrimary(filePrimary, data, size); err == nil && len(k) != size {
				t.Fatalf("primary of %d bytes", len(k))
			} else if err != nil && !errors.Is(err, keyfile.ErrDamaged) {
				t.Fatalf("parsePrimary: %v", err)
			}
		}
		if _, err := parseName(data); err != nil && !errors.Is(err, keyfile.ErrDamaged) {
			t.Fatalf("parseName: %v", err)
		}
	})
}
