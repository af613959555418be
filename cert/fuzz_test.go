package cert

import (
	"bytes"
	"encoding/base64"
	"os"
	"testing"
	"time"
)

// seedCorpus adds every real certificate file (as found, and as DER) to f.
func seedCorpus(f *testing.F, raw bool) {
	for _, path := range realworldCerts(f) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		if raw {
			f.Add(data)
		}
		certs, err := ParseAll(data)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(certs[0].Raw)
		if raw {
			f.Add([]byte(base64.RawURLEncoding.EncodeToString(certs[0].Raw)))
		}
	}
	f.Add([]byte{0x30, 0x80})
	f.Add([]byte{0x30, 0x84, 0xff, 0xff, 0xff, 0xff})
}

// exercise calls everything that reads a parsed certificate.
func exercise(t *testing.T, c *Certificate) {
	_ = c.Subject.String()
	_ = c.Issuer.String()
	_ = c.Qualified()
	_ = c.KeyString()
	_ = c.ThumbprintSHA1()
	_ = c.CheckSignatureFrom(c)
	_, _ = VerifyChain(c, []*Certificate{c}, []*Certificate{c}, c.NotBefore.Add(time.Second))
	again, err := Parse(c.Raw)
	if err != nil {
		t.Fatalf("reparse of accepted certificate: %v", err)
	}
	if !bytes.Equal(again.RawTBSCertificate, c.RawTBSCertificate) || again.SerialNumber.Cmp(c.SerialNumber) != 0 {
		t.Fatal("reparse differs")
	}
}

func FuzzParse(f *testing.F) {
	seedCorpus(f, false)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			if c != nil {
				t.Fatal("certificate returned with an error")
			}
			return
		}
		if !bytes.Equal(c.Raw, data) {
			t.Fatal("Raw is not the input")
		}
		exercise(t, c)
	})
}

func FuzzParseAll(f *testing.F) {
	seedCorpus(f, true)
	f.Fuzz(func(t *testing.T, data []byte) {
		certs, err := ParseAll(data)
		if err != nil {
			return
		}
		if len(certs) == 0 {
			t.Fatal("no certificates and no error")
		}
		for _, c := range certs {
			exercise(t, c)
		}
	})
}
