package testtoken_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/testtoken"
)

// TestSubjectPublicKeyInfoMatchesOpenSSL rebuilds the SubjectPublicKeyInfo
// of keys OpenSSL made from their raw value and compares with what OpenSSL
// itself writes (up to the optional digestParamSet, which OpenSSL omits
// for 256-bit keys on the TC26 sets).
func TestSubjectPublicKeyInfoMatchesOpenSSL(t *testing.T) {
	for _, c := range []struct {
		alg, paramset string
		params        []byte
		size          int
	}{
		{"gost2012_256", "TCA", paramsTC26A256, 64},
		{"gost2012_256", "A", paramsCryptoProA, 64},
		{"gost2012_512", "A", paramsTC26A512, 128},
		{"gost2012_512", "B", paramsTC26B512, 128},
	} {
		t.Run(c.alg+"-"+c.paramset, func(t *testing.T) {
			dir := t.TempDir()
			key := filepath.Join(dir, "k.pem")
			osslref.Run(t, nil, "genpkey", "-algorithm", c.alg, "-pkeyopt", "paramset:"+c.paramset, "-out", key)
			want := osslref.Run(t, nil, "pkey", "-in", key, "-pubout", "-outform", "DER")
			// The raw key is the tail of OpenSSL's encoding.
			value := want[len(want)-c.size:]
			der, err := testtoken.SubjectPublicKeyInfo(c.params, value)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasSuffix(der, value) {
				t.Fatal("the key value is not at the end of the encoding")
			}
			// OpenSSL must read ours back as the same key.
			if err := os.WriteFile(filepath.Join(dir, "ours.der"), der, 0o600); err != nil {
				t.Fatal(err)
			}
			got := osslref.Run(t, nil, "pkey", "-pubin", "-inform", "DER", "-in", filepath.Join(dir, "ours.der"), "-outform", "DER")
			if !bytes.Equal(got, want) {
				t.Fatalf("openssl re-encodes ours as\n%x\nwant\n%x", got, want)
			}
		})
	}
}

func TestSubjectPublicKeyInfoRefusesNonsense(t *testing.T) {
	v64, v128 := make([]byte, 64), make([]byte, 128)
	for name, c := range map[string]struct{ params, value []byte }{
		"512-bit set, 256-bit value": {paramsTC26A512, v64},
		"256-bit set, 512-bit value": {paramsTC26A256, v128},
		"short value":                {paramsTC26A256, v64[:63]},
		"not an OID":                 {[]byte{0x04, 0x01, 0x00}, v64},
		"trailing bytes":             {append(bytes.Clone(paramsTC26A256), 0), v64},
		"empty":                      {nil, v64},
		"huge length":                {[]byte{0x06, 0x84, 0xff, 0xff, 0xff, 0xff}, v64},
	} {
		if _, err := testtoken.SubjectPublicKeyInfo(c.params, c.value); !errors.Is(err, testtoken.ErrKeyEncoding) {
			t.Errorf("%s: %v, want ErrKeyEncoding", name, err)
		}
	}
}
