package pkcs11

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	p11 "github.com/miekg/pkcs11"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/internal/osslref"
)

// TestRealWorldCertificatesOnAToken puts the real certificates of
// shared/realworld (CryptoPro, the state login service, accredited CAs;
// DER and PEM, GOST 2001 and 2012) on a fake token, with public key
// objects but no CKA_ID, and checks that every one is listed, parsed,
// named by its stable ID and paired with its key by public key.
func TestRealWorldCertificatesOnAToken(t *testing.T) {
	dir := filepath.Join(osslref.Root(t), "..", "shared", "realworld")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("real-world data missing: %v", err)
	}
	tok := &fakeToken{label: "realworld", serial: "RW", present: true, pin: "1234"}
	want := map[string]*cert.Certificate{}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "ca_") && !strings.HasPrefix(e.Name(), "ee_") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		certs, err := cert.ParseAll(data)
		if err != nil || len(certs) == 0 {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		c := certs[0]
		want[CertificateID(c.Raw)] = c
		tok.objects = append(tok.objects, obj(p11.CKO_CERTIFICATE, p11.CKA_CERTIFICATE_TYPE, uint(p11.CKC_X_509), p11.CKA_VALUE, c.Raw, p11.CKA_LABEL, e.Name()))
		if pub, ok := c.PublicKey.(*gost.PublicKey); ok {
			kt := uint(ckkGOSTR3410)
			if pub.Curve().Size() == 64 {
				kt = ckkGOSTR3410_512
			}
			tok.objects = append(tok.objects, obj(p11.CKO_PUBLIC_KEY, p11.CKA_KEY_TYPE, kt, p11.CKA_VALUE, pub.Bytes()))
		}
	}
	if len(want) < 10 {
		t.Fatalf("only %d real-world certificates", len(want))
	}
	m := fakeManager(t, newFakeModule(t, tok), Options{})
	got, err := m.Certificates()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d certificates listed, want %d", len(got), len(want))
	}
	for _, c := range got {
		w, ok := want[c.ID]
		if !ok {
			t.Fatalf("unexpected ID %s", c.ID)
		}
		if c.Cert.Subject.CommonName != w.Subject.CommonName || c.Cert.KeyAlgorithm != w.KeyAlgorithm {
			t.Errorf("%s: %q %v", c.Label, c.Cert.Subject.CommonName, c.Cert.KeyAlgorithm)
		}
		_, isGOST := w.PublicKey.(*gost.PublicKey)
		if wantKey := map[bool]KeyState{true: KeyAfterLogin, false: KeyMissing}[isGOST]; c.Key != wantKey {
			t.Errorf("%s: key %v, want %v", c.Label, c.Key, wantKey)
		}
	}
}
