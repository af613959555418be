package pfx

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/keyfile"
)

func TestRoundTrip(t *testing.T) {
	tc26, err := Decode(readTestdata(t, tc26File), tc26Password)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := Decode(readTestdata(t, cpFile), cpPassword)
	if err != nil {
		t.Fatal(err)
	}
	other := tc26.Certificates[0] // a certificate of another key
	for _, curve := range gost.Curves() {
		key, err := gost.GenerateKey(curve, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		for _, prof := range []Profile{TC26, Kuznyechik, Magma, KuznyechikOMAC, MagmaOMAC} {
			for _, c := range []*keyfile.Contents{
				{Key: key},
				{Key: key, Certificates: [][]byte{other}, Name: "Ключ подписи"},
			} {
				data, err := Encode(c, "пароль", &Options{Profile: prof, Iterations: 10})
				if err != nil {
					t.Fatalf("%v profile %d: %v", curve, prof, err)
				}
				got, err := Decode(data, "пароль")
				if err != nil {
					t.Fatalf("%v profile %d: %v", curve, prof, err)
				}
				if !got.Key.Equal(key) || got.Name != c.Name || len(got.Certificates) != len(c.Certificates) {
					t.Errorf("%v profile %d: round trip changed the contents", curve, prof)
				}
				for i := range c.Certificates {
					if !bytes.Equal(got.Certificates[i], c.Certificates[i]) {
						t.Errorf("%v profile %d: certificate %d changed", curve, prof, i)
					}
				}
				if _, err := Decode(data, "парол"); !errors.Is(err, keyfile.ErrWrongPassword) {
					t.Errorf("%v profile %d, wrong password: %v", curve, prof, err)
				}
			}
		}
	}
	// The key's own certificate comes first whatever the order given.
	c := &keyfile.Contents{Key: cp.Key, Certificates: [][]byte{other, cp.Certificates[0]}}
	data, err := Encode(c, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(data, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Certificates) != 2 || !bytes.Equal(got.Certificates[0], cp.Certificates[0]) {
		t.Error("the key's certificate is not first")
	}
}

func TestEncodeRefuses(t *testing.T) {
	if _, err := Encode(nil, "x", nil); !errors.Is(err, ErrNothingToEncode) {
		t.Errorf("nil contents: %v", err)
	}
	if _, err := Encode(&keyfile.Contents{}, "x", nil); !errors.Is(err, ErrNothingToEncode) {
		t.Errorf("no key: %v", err)
	}
	key, err := gost.GenerateKey(gost.Curves()[0], rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []Options{{Iterations: -1}, {Iterations: MaxIterations + 1}, {Profile: MagmaOMAC + 1}} {
		if _, err := Encode(&keyfile.Contents{Key: key}, "x", &o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
}
