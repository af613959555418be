package pfx

import (
	"crypto/rand"
	"errors"
	"testing"

	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/keyfile"
)

// FuzzDecode: no input makes Decode panic, and every refusal is one of
// the three classes of keyfile. The seeds are the real files and one of
// each profile Encode writes.
func FuzzDecode(f *testing.F) {
	f.Add(readTestdata(f, tc26File), tc26Password)
	f.Add(readTestdata(f, cpFile), cpPassword)
	f.Add(readTestdata(f, rfc9548Kuznyechik), tc26Password)
	f.Add(readTestdata(f, rfc9548Magma), tc26Password)
	f.Add(withoutMAC(f, readTestdata(f, tc26File)), tc26Password)
	f.Add(withoutMAC(f, readTestdata(f, cpFile)), cpPassword)
	key, err := gost.GenerateKey(gost.Curves()[0], rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	tc26, err := Decode(readTestdata(f, tc26File), tc26Password)
	if err != nil {
		f.Fatal(err)
	}
	for _, prof := range []Profile{TC26, Kuznyechik, Magma, KuznyechikOMAC, MagmaOMAC} {
		data, err := Encode(&keyfile.Contents{Key: key, Certificates: tc26.Certificates, Name: "n"}, "p", &Options{Profile: prof, Iterations: 1})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, "p")
		f.Add(withoutMAC(f, data), "p")
	}
	// Files asking for more iterations are refused before any KDF runs;
	// the seeds from Encode use one iteration and reach every step.
	iterationLimit = 4
	f.Cleanup(func() { iterationLimit = MaxIterations })
	f.Fuzz(func(t *testing.T, data []byte, password string) {
		c, err := Decode(data, password)
		if err != nil {
			if c != nil {
				t.Fatal("contents returned with an error")
			}
			if !errors.Is(err, keyfile.ErrWrongPassword) && !errors.Is(err, keyfile.ErrDamaged) &&
				!errors.Is(err, keyfile.ErrUnsupported) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		if c.Key == nil {
			t.Fatal("no key and no error")
		}
		c.Wipe()
	})
}
