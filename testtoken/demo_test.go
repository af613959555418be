package testtoken_test

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/testtoken"
)

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s holds no PEM", path)
	}
	// Go does not know GOST keys but parses the rest of the certificate.
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return c
}

func subjectValue(c *x509.Certificate, oid asn1.ObjectIdentifier) string {
	for _, n := range c.Subject.Names {
		if n.Type.Equal(oid) {
			if s, ok := n.Value.(string); ok {
				return s
			}
		}
	}
	return ""
}

func TestDemoIdentity(t *testing.T) {
	dir := t.TempDir()
	d, err := testtoken.DemoIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := testtoken.WriteDemoConfig(dir, "/usr/lib/x86_64-linux-gnu/engines-3/gost.so"); err != nil {
		t.Fatal(err)
	}
	tk := openToken(t, dir)
	if err := testtoken.ProvisionDemo(tk.p, d); err != nil {
		t.Fatalf("ProvisionDemo: %v", err)
	}

	// The CA is GOST 2012-512 and both certificates chain to it.
	ca := osslref.Run(t, nil, "x509", "-in", d.CACert, "-noout", "-text")
	if !bytes.Contains(ca, []byte("GOST R 34.10-2012 with 512 bit modulus")) {
		t.Errorf("demo CA key:\n%s", ca)
	}
	out := osslref.Run(t, nil, "verify", "-CAfile", d.CACert, d.Leader.CertFile, d.Accountant.CertFile)
	if bytes.Count(out, []byte(": OK")) != 2 {
		t.Fatalf("openssl verify: %s", out)
	}

	var (
		oidINN      = asn1.ObjectIdentifier{1, 2, 643, 3, 131, 1, 1}
		oidINNLE    = asn1.ObjectIdentifier{1, 2, 643, 100, 4}
		oidOGRN     = asn1.ObjectIdentifier{1, 2, 643, 100, 1}
		oidSNILS    = asn1.ObjectIdentifier{1, 2, 643, 100, 3}
		oidTitle    = asn1.ObjectIdentifier{2, 5, 4, 12}
		oidKC1      = asn1.ObjectIdentifier{1, 2, 643, 100, 113, 1}
		oidSubjTool = asn1.ObjectIdentifier{1, 2, 643, 100, 111}
		oidIssTool  = asn1.ObjectIdentifier{1, 2, 643, 100, 112}
	)
	for _, who := range []testtoken.Person{d.Leader, d.Accountant} {
		c := readCert(t, who.CertFile)
		want := map[string]struct {
			oid  asn1.ObjectIdentifier
			want string
		}{
			"INN":   {oidINN, who.INN},
			"SNILS": {oidSNILS, who.SNILS},
			"OGRN":  {oidOGRN, d.OGRN},
			"INNLE": {oidINNLE, d.INNLE},
			"title": {oidTitle, who.Title},
		}
		for name, w := range want {
			if got := subjectValue(c, w.oid); got != w.want {
				t.Errorf("%s: subject %s = %q, want %q", who.Token, name, got, w.want)
			}
		}
		if c.Subject.Organization[0] != d.Company || c.Subject.CommonName != who.Surname+" "+who.GivenName {
			t.Errorf("%s: subject %v", who.Token, c.Subject)
		}
		if !slices.ContainsFunc(c.PolicyIdentifiers, oidKC1.Equal) {
			t.Errorf("%s: policies %v lack KC1", who.Token, c.PolicyIdentifiers)
		}
		for _, oid := range []asn1.ObjectIdentifier{oidSubjTool, oidIssTool} {
			if !slices.ContainsFunc(c.Extensions, func(e pkix.Extension) bool { return e.Id.Equal(oid) }) {
				t.Errorf("%s: no extension %v", who.Token, oid)
			}
		}
		if c.KeyUsage&x509.KeyUsageDigitalSignature == 0 || c.KeyUsage&x509.KeyUsageContentCommitment == 0 {
			t.Errorf("%s: key usage %b", who.Token, c.KeyUsage)
		}
	}
	if got := subjectValue(readCert(t, d.Leader.CertFile), oidTitle); got != "Генеральный директор" {
		t.Errorf("leader's title %q", got)
	}

	// Each token holds its certificate and the key it certifies: a
	// signature made on the token verifies with the certificate.
	for _, who := range []testtoken.Person{d.Leader, d.Accountant} {
		s := tk.session(who.Slot)
		if err := tk.p.Login(s, pkcs11.CKU_USER, testtoken.DemoUserPIN); err != nil {
			t.Fatal(err)
		}
		id := pkcs11.NewAttribute(pkcs11.CKA_ID, []byte(who.KeyID))
		certs := tk.find(s, pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE), id)
		keys := tk.find(s, pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY), id)
		if len(certs) != 1 || len(keys) != 1 {
			t.Fatalf("%s: %d certificates, %d keys with CKA_ID %q", who.Token, len(certs), len(keys), who.KeyID)
		}
		if !bytes.Equal(tk.attr(s, certs[0], pkcs11.CKA_VALUE), readCert(t, who.CertFile).Raw) {
			t.Errorf("%s: the certificate on the token differs from %s", who.Token, who.CertFile)
		}
		hash := make([]byte, 32)
		rand.Read(hash)
		sig, err := tk.sign(s, pkcs11.CKM_GOSTR3410, keys[0], hash)
		if err != nil {
			t.Fatal(err)
		}
		work := t.TempDir()
		if err := os.WriteFile(filepath.Join(work, "hash"), hash, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, "sig"), sig, 0o600); err != nil {
			t.Fatal(err)
		}
		out := osslref.Run(t, nil, "pkeyutl", "-verify", "-certin", "-inkey", who.CertFile,
			"-in", filepath.Join(work, "hash"), "-sigfile", filepath.Join(work, "sig"))
		if !bytes.Contains(out, []byte("Signature Verified Successfully")) {
			t.Errorf("%s: %s", who.Token, out)
		}
	}
	ti, err := tk.p.GetTokenInfo(d.Accountant.Slot)
	if err != nil || ti.Label != d.Accountant.Token {
		t.Errorf("second token: %+v, %v", ti, err)
	}
}
