package pfx

import (
	"errors"
	"testing"

	"github.com/zavera/zavera/keyfile"
)

// TestInspect: the published files pass the check without a password;
// every truncation of one and a file that is not PKCS#12 are damaged,
// and what Inspect accepts is what Decode gets past its outer structure.
func TestInspect(t *testing.T) {
	for _, name := range []string{tc26File, cpFile, rfc9548Kuznyechik, rfc9548Magma} {
		data := readTestdata(t, name)
		if err := Inspect(data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		for n := 0; n < len(data); n += 1 + len(data)/97 {
			if err := Inspect(data[:n]); !errors.Is(err, keyfile.ErrDamaged) {
				t.Fatalf("%s cut to %d bytes: %v", name, n, err)
			}
		}
	}
	if err := Inspect([]byte("-----BEGIN CERTIFICATE-----\n")); !errors.Is(err, keyfile.ErrDamaged) {
		t.Errorf("a PEM text: %v", err)
	}
	if err := Inspect(make([]byte, MaxFileSize+1)); !errors.Is(err, keyfile.ErrDamaged) {
		t.Errorf("an oversized file: %v", err)
	}
}

// FuzzInspect: Inspect never panics, and it accepts every file that
// Decode opens.
func FuzzInspect(f *testing.F) {
	f.Add(readTestdata(f, tc26File))
	f.Add(readTestdata(f, cpFile))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := Inspect(data)
		if c, derr := Decode(data, tc26Password); derr == nil {
			c.Wipe()
			if err != nil {
				t.Fatalf("Decode opens a file Inspect refuses: %v", err)
			}
		}
	})
}
