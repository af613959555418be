package gost

import (
	"bytes"
	"encoding/asn1"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/zavera/zavera/gost/streebog"
	"github.com/zavera/zavera/internal/osslref"
)

// realCert is the part of an X.509 certificate these tests need.
type realCert struct {
	name                 string
	tbs, issuer, subject []byte // DER elements
	spki                 []byte
	ski, aki             []byte // key identifiers, when present
	sigAlg               asn1.ObjectIdentifier
	sig                  []byte
}

// parseRealCert splits a DER certificate (RFC 5280, 4.1) with a strict
// reader, independently of the package under test.
func parseRealCert(t *testing.T, name string, der []byte) realCert {
	t.Helper()
	c := realCert{name: name}
	in := cryptobyte.String(der)
	var cert, tbs, sigAlg cryptobyte.String
	var sig asn1.BitString
	if !in.ReadASN1(&cert, cbasn1.SEQUENCE) ||
		!cert.ReadASN1Element(&tbs, cbasn1.SEQUENCE) ||
		!cert.ReadASN1(&sigAlg, cbasn1.SEQUENCE) ||
		!sigAlg.ReadASN1ObjectIdentifier(&c.sigAlg) ||
		!cert.ReadASN1BitString(&sig) {
		t.Fatalf("%s: not a certificate", name)
	}
	c.tbs, c.sig = tbs, sig.Bytes
	var body, skip cryptobyte.String
	if !tbs.ReadASN1(&body, cbasn1.SEQUENCE) ||
		!body.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!body.SkipASN1(cbasn1.INTEGER) ||
		!body.SkipASN1(cbasn1.SEQUENCE) ||
		!body.ReadASN1Element(&skip, cbasn1.SEQUENCE) {
		t.Fatalf("%s: bad TBSCertificate", name)
	}
	c.issuer = skip
	var subject, spki cryptobyte.String
	if !body.SkipASN1(cbasn1.SEQUENCE) ||
		!body.ReadASN1Element(&subject, cbasn1.SEQUENCE) ||
		!body.ReadASN1Element(&spki, cbasn1.SEQUENCE) {
		t.Fatalf("%s: bad TBSCertificate", name)
	}
	c.subject, c.spki = subject, spki
	c.ski = extensionValue(c.tbs, []byte{0x06, 0x03, 0x55, 0x1D, 0x0E}, func(v cryptobyte.String) []byte {
		var id cryptobyte.String
		if !v.ReadASN1(&id, cbasn1.OCTET_STRING) {
			return nil
		}
		return id
	})
	c.aki = extensionValue(c.tbs, []byte{0x06, 0x03, 0x55, 0x1D, 0x23}, func(v cryptobyte.String) []byte {
		var seq, id cryptobyte.String
		if !v.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1(&id, cbasn1.Tag(0).ContextSpecific()) {
			return nil
		}
		return id
	})
	return c
}

// extensionValue finds the extension whose DER OID is oid in tbs and
// decodes its extnValue content with read.
func extensionValue(tbs, oid []byte, read func(cryptobyte.String) []byte) []byte {
	i := bytes.Index(tbs, oid)
	if i < 0 {
		return nil
	}
	in := cryptobyte.String(tbs[i+len(oid):])
	if !in.SkipOptionalASN1(cbasn1.BOOLEAN) {
		return nil
	}
	var v cryptobyte.String
	if !in.ReadASN1(&v, cbasn1.OCTET_STRING) {
		return nil
	}
	return read(v)
}

// TestRealWorldCertificates reads the public keys of real GOST
// certificates and checks the GOST R 34.10-2012 signatures between them:
// self-signed roots and CA certificates issued by a root in the set.
func TestRealWorldCertificates(t *testing.T) {
	dir := filepath.Join(osslref.Root(t), "..", "shared", "realworld")
	paths, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no real-world data in %s: %v", dir, err)
	}
	var certs []realCert
	keys := map[string]*PublicKey{}
	for _, p := range paths {
		base := filepath.Base(p)
		if !strings.HasPrefix(base, "ca_") && !strings.HasPrefix(base, "ee_") {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if blk, _ := pem.Decode(data); blk != nil {
			data = blk.Bytes
		}
		c := parseRealCert(t, base, data)
		pub, err := ParsePKIXPublicKey(c.spki)
		if err != nil {
			t.Errorf("%s: public key: %v", base, err)
			continue
		}
		certs = append(certs, c)
		keys[base] = pub
	}
	sig256 := asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 3, 2}
	sig512 := asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 3, 3}
	checked := 0
	for _, c := range certs {
		var digest []byte
		switch {
		case c.sigAlg.Equal(sig256):
			d := streebog.Sum256(c.tbs)
			digest = d[:]
		case c.sigAlg.Equal(sig512):
			d := streebog.Sum512(c.tbs)
			digest = d[:]
		default:
			continue // GOST R 34.10-2001 with GOST R 34.11-94
		}
		for _, issuer := range certs {
			if !bytes.Equal(issuer.subject, c.issuer) {
				continue
			}
			// One CA name may stand for several keys over the years.
			if c.aki != nil && issuer.ski != nil && !bytes.Equal(c.aki, issuer.ski) {
				continue
			}
			pub := keys[issuer.name]
			if pub.Curve().Size() != len(digest) {
				continue
			}
			if err := pub.Verify(digest, c.sig); err != nil {
				t.Errorf("%s signed by %s: %v", c.name, issuer.name, err)
			}
			checked++
			bad := append([]byte(nil), c.sig...)
			bad[len(bad)/2] ^= 1
			if pub.Verify(digest, bad) == nil {
				t.Errorf("%s: a changed signature verifies", c.name)
			}
		}
	}
	if checked < 5 {
		t.Fatalf("only %d certificate signatures checked", checked)
	}
	t.Logf("%d keys read, %d certificate signatures verified", len(keys), checked)
}
