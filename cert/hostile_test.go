package cert

import (
	"bytes"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// certParts are the top-level elements of a certificate, each a complete
// DER element, so that tests can swap one for a hostile encoding.
type certParts struct {
	version, serial, sigAlg, issuer, validity, subject, spki, exts []byte
	tbsExtra                                                       []byte
	outerAlg, sig                                                  []byte
	certExtra                                                      []byte
}

func splitCert(t testing.TB, der []byte) certParts {
	t.Helper()
	var p certParts
	in := cryptobyte.String(der)
	var cert, tbs cryptobyte.String
	var el [8]cryptobyte.String
	if !in.ReadASN1(&cert, cbasn1.SEQUENCE) || !cert.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		t.Fatal("split")
	}
	var tag cbasn1.Tag
	for i := range el {
		if !tbs.ReadAnyASN1Element(&el[i], &tag) {
			t.Fatalf("split element %d", i)
		}
	}
	p.version, p.serial, p.sigAlg, p.issuer, p.validity, p.subject, p.spki, p.exts = el[0], el[1], el[2], el[3], el[4], el[5], el[6], el[7]
	var alg, sig cryptobyte.String
	if !cert.ReadAnyASN1Element(&alg, &tag) || !cert.ReadAnyASN1Element(&sig, &tag) {
		t.Fatal("split outer")
	}
	p.outerAlg, p.sig = alg, sig
	return p
}

func (p certParts) build() []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, e := range [][]byte{p.version, p.serial, p.sigAlg, p.issuer, p.validity, p.subject, p.spki, p.exts, p.tbsExtra} {
				b.AddBytes(e)
			}
		})
		b.AddBytes(p.outerAlg)
		b.AddBytes(p.sig)
		b.AddBytes(p.certExtra)
	})
	return b.BytesOrPanic()
}

// der builds one element from a tag and content.
func der(tag byte, content ...[]byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.Tag(tag), func(b *cryptobyte.Builder) {
		for _, c := range content {
			b.AddBytes(c)
		}
	})
	return b.BytesOrPanic()
}

// nameWith is a Name with one attribute of the given value element.
func nameWith(oid []byte, value []byte) []byte {
	return der(0x30, der(0x31, der(0x30, oid, value)))
}

// extensions wraps extension elements in [3] { SEQUENCE OF }.
func extensions(exts ...[]byte) []byte { return der(0xa3, der(0x30, exts...)) }

func extension(oid []byte, critical bool, value []byte) []byte {
	if critical {
		return der(0x30, oid, []byte{0x01, 0x01, 0xff}, der(0x04, value))
	}
	return der(0x30, oid, der(0x04, value))
}

var (
	derOIDCN       = []byte{0x06, 0x03, 0x55, 0x04, 0x03}
	derOIDINN      = []byte{0x06, 0x08, 0x2a, 0x85, 0x03, 0x03, 0x81, 0x03, 0x01, 0x01}
	derOIDKeyUsage = []byte{0x06, 0x03, 0x55, 0x1d, 0x0f}
	derOIDBasic    = []byte{0x06, 0x03, 0x55, 0x1d, 0x13}
	derOIDUnknown  = []byte{0x06, 0x03, 0x2a, 0x03, 0x04}
	derKeyUsage    = []byte{0x03, 0x02, 0x07, 0x80}
)

func TestHostileCertificates(t *testing.T) {
	base := realworldByPrefix(t, "ca_root_esia-test-blastoff")
	good := splitCert(t, base.Raw)
	if _, err := Parse(good.build()); err != nil {
		t.Fatalf("rebuilt certificate: %v", err)
	}
	deep := bytes.Repeat([]byte{0x30, 0x80}, 50000)
	// The ESIA test root writes an explicit NULL after its signature OID;
	// sigOID is that OID element, to build outer identifiers that differ
	// from the signed one only in their parameters.
	var algSeq, oidEl cryptobyte.String
	var oidTag cbasn1.Tag
	if alg := cryptobyte.String(good.sigAlg); !alg.ReadASN1(&algSeq, cbasn1.SEQUENCE) || !algSeq.ReadAnyASN1Element(&oidEl, &oidTag) || !bytes.Equal(algSeq, []byte{0x05, 0x00}) {
		t.Fatalf("expected the base certificate's signature algorithm to carry NULL parameters: %x", good.sigAlg)
	}
	sigOID := []byte(oidEl)
	mod := func(f func(p *certParts)) []byte {
		p := good
		f(&p)
		return p.build()
	}
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"one byte", []byte{0x30}},
		{"empty sequence", []byte{0x30, 0x00}},
		{"indefinite length", []byte{0x30, 0x80, 0x00, 0x00}},
		{"huge length", []byte{0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x30}},
		{"length beyond data", append([]byte{0x30, 0x82, 0x10, 0x00}, base.Raw[4:]...)},
		{"non-minimal length", append([]byte{0x30, 0x83, 0x00, byte(len(base.Raw) - 4>>8), byte(len(base.Raw) - 4)}, base.Raw[4:]...)},
		{"deep nesting", deep},
		{"trailing data", append(append([]byte(nil), base.Raw...), 0x00)},
		{"trailing data in certificate", mod(func(p *certParts) { p.certExtra = []byte{0x05, 0x00} })},
		{"trailing data in tbsCertificate", mod(func(p *certParts) { p.tbsExtra = []byte{0x05, 0x00} })},
		{"version 6", mod(func(p *certParts) { p.version = der(0xa0, []byte{0x02, 0x01, 0x05}) })},
		{"negative version", mod(func(p *certParts) { p.version = der(0xa0, []byte{0x02, 0x01, 0xff}) })},
		{"extensions in version 1", mod(func(p *certParts) { p.version = nil })},
		{"serial non-minimal", mod(func(p *certParts) { p.serial = []byte{0x02, 0x02, 0x00, 0x01} })},
		{"serial empty", mod(func(p *certParts) { p.serial = []byte{0x02, 0x00} })},
		{"serial not integer", mod(func(p *certParts) { p.serial = []byte{0x04, 0x01, 0x01} })},
		{"algorithm mismatch", mod(func(p *certParts) {
			p.outerAlg = der(0x30, []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02})
		})},
		{"outer parameters altered", mod(func(p *certParts) { p.outerAlg = der(0x30, sigOID, []byte{0x04, 0x00}) })},
		{"outer parameters dropped", mod(func(p *certParts) { p.outerAlg = der(0x30, sigOID) })},
		{"algorithm not a sequence", mod(func(p *certParts) { p.sigAlg = []byte{0x05, 0x00} })},
		{"empty RDN", mod(func(p *certParts) { p.issuer = der(0x30, der(0x31)) })},
		{"attribute without value", mod(func(p *certParts) { p.issuer = der(0x30, der(0x31, der(0x30, derOIDCN))) })},
		{"invalid UTF-8", mod(func(p *certParts) { p.subject = nameWith(derOIDCN, []byte{0x0c, 0x02, 0xff, 0xfe}) })},
		{"odd BMPString", mod(func(p *certParts) { p.subject = nameWith(derOIDCN, []byte{0x1e, 0x03, 0x04, 0x10, 0x04}) })},
		{"letters in NumericString", mod(func(p *certParts) { p.subject = nameWith(derOIDINN, []byte{0x12, 0x02, 0x37, 0x41}) })},
		{"bad PrintableString", mod(func(p *certParts) { p.subject = nameWith(derOIDCN, []byte{0x13, 0x01, '@'}) })},
		{"bad UniversalString", mod(func(p *certParts) { p.subject = nameWith(derOIDCN, []byte{0x1c, 0x04, 0x00, 0x11, 0x00, 0x00}) })},
		{"month 13", mod(func(p *certParts) {
			p.validity = der(0x30, der(0x17, []byte("251301000000Z")), der(0x17, []byte("260101000000Z")))
		})},
		{"time without zone", mod(func(p *certParts) {
			p.validity = der(0x30, der(0x18, []byte("20250101000000")), der(0x17, []byte("260101000000Z")))
		})},
		{"one time only", mod(func(p *certParts) { p.validity = der(0x30, der(0x17, []byte("250101000000Z"))) })},
		{"signature with unused bits", mod(func(p *certParts) { p.sig = []byte{0x03, 0x03, 0x01, 0xaa, 0xbb} })},
		{"signature not a BIT STRING", mod(func(p *certParts) { p.sig = []byte{0x04, 0x01, 0xaa} })},
		{"public key not a BIT STRING", mod(func(p *certParts) {
			p.spki = der(0x30, der(0x30, []byte{0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x01, 0x01}, der(0x30, []byte{0x06, 0x07, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x23, 0x01})), []byte{0x04, 0x01, 0x00})
		})},
		{"GOST parameters not a sequence", mod(func(p *certParts) {
			p.spki = der(0x30, der(0x30, []byte{0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x01, 0x01}, []byte{0x05, 0x00}), der(0x03, []byte{0x00}, der(0x04, make([]byte, 64))))
		})},
		{"empty extensions", mod(func(p *certParts) { p.exts = der(0xa3, der(0x30)) })},
		{"duplicate extension", mod(func(p *certParts) {
			p.exts = extensions(extension(derOIDKeyUsage, true, derKeyUsage), extension(derOIDKeyUsage, false, derKeyUsage))
		})},
		{"bad key usage", mod(func(p *certParts) { p.exts = extensions(extension(derOIDKeyUsage, true, []byte{0x04, 0x01, 0x00})) })},
		{"negative path length", mod(func(p *certParts) {
			p.exts = extensions(extension(derOIDBasic, true, der(0x30, []byte{0x01, 0x01, 0xff, 0x02, 0x01, 0xff})))
		})},
		{"huge path length", mod(func(p *certParts) {
			p.exts = extensions(extension(derOIDBasic, true, der(0x30, []byte{0x01, 0x01, 0xff, 0x02, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 0})))
		})},
		{"trailing data in basic constraints", mod(func(p *certParts) {
			p.exts = extensions(extension(derOIDBasic, true, der(0x30, []byte{0x01, 0x01, 0xff, 0x05, 0x00})))
		})},
		{"extension value not an OCTET STRING", mod(func(p *certParts) {
			p.exts = extensions(der(0x30, derOIDKeyUsage, derKeyUsage))
		})},
		{"critical flag not boolean", mod(func(p *certParts) {
			p.exts = extensions(der(0x30, derOIDKeyUsage, []byte{0x02, 0x01, 0x01}, der(0x04, derKeyUsage)))
		})},
		{"too large", append([]byte{0x30, 0x84, 0x00, 0x20, 0x00, 0x00}, make([]byte, 0x200000)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.in)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse: %v (%v), want ErrMalformed", err, c != nil)
			}
			if _, err := ParseAll(tt.in); err == nil {
				t.Fatal("ParseAll accepted it")
			}
		})
	}
}

// TestUnknownCriticalExtension: Parse keeps it; VerifyChain refuses it.
func TestUnknownCriticalExtension(t *testing.T) {
	base := realworldByPrefix(t, "ca_root_esia-test-blastoff")
	p := splitCert(t, base.Raw)
	p.exts = extensions(extension(derOIDUnknown, true, []byte{0x05, 0x00}), extension(derOIDBasic, true, der(0x30, []byte{0x01, 0x01, 0xff})))
	c, err := Parse(p.build())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Extensions) != 2 || !c.Extensions[0].Critical || !c.IsCA {
		t.Fatalf("extensions %+v", c.Extensions)
	}
	at := c.NotBefore.Add(time.Hour)
	if _, err := VerifyChain(c, nil, []*Certificate{c}, at); !errors.Is(err, ErrUnhandledCritical) {
		t.Errorf("as leaf and root: %v, want ErrUnhandledCritical", err)
	}
	// As a root for a certificate it (really) signed.
	demo := realworldByPrefix(t, "ee_esia-test-demo-org")
	if _, err := VerifyChain(demo, nil, []*Certificate{c}, demo.NotBefore.Add(time.Hour)); !errors.Is(err, ErrUnhandledCritical) {
		t.Errorf("chain through a root with an unknown critical extension: %v, want ErrUnhandledCritical", err)
	}
}

// TestGOSTKeyProblems: a certificate whose GOST key cannot be used still
// parses; verifying what it signed says why.
func TestGOSTKeyProblems(t *testing.T) {
	base := realworldByPrefix(t, "ca_root_esia-test-blastoff")
	demo := realworldByPrefix(t, "ee_esia-test-demo-org")
	p := splitCert(t, base.Raw)
	gostAlg := []byte{0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x01, 0x01}
	tests := []struct {
		name string
		spki []byte
		want error
	}{
		{"point off the curve", der(0x30, der(0x30, gostAlg, der(0x30, []byte{0x06, 0x07, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x23, 0x01})),
			der(0x03, []byte{0x00}, der(0x04, bytes.Repeat([]byte{0x01}, 64)))), ErrMalformed},
		{"short key", der(0x30, der(0x30, gostAlg, der(0x30, []byte{0x06, 0x07, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x23, 0x01})),
			der(0x03, []byte{0x00}, der(0x04, make([]byte, 10)))), ErrMalformed},
		{"unknown parameter set", der(0x30, der(0x30, gostAlg, der(0x30, []byte{0x06, 0x03, 0x2a, 0x03, 0x04})),
			der(0x03, []byte{0x00}, der(0x04, make([]byte, 64)))), ErrUnsupportedAlgorithm},
		{"512-bit set for a 256-bit key", der(0x30, der(0x30, gostAlg, der(0x30, []byte{0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x01, 0x02, 0x01})),
			der(0x03, []byte{0x00}, der(0x04, make([]byte, 128)))), ErrMalformed},
		{"key not an OCTET STRING", der(0x30, der(0x30, gostAlg, der(0x30, []byte{0x06, 0x07, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x23, 0x01})),
			der(0x03, []byte{0x00}, der(0x03, make([]byte, 64)))), ErrMalformed},
	}
	for _, tt := range tests {
		q := p
		q.spki = tt.spki
		c, err := Parse(q.build())
		if err != nil {
			t.Errorf("%s: Parse: %v", tt.name, err)
			continue
		}
		if c.PublicKey != nil || c.KeyAlgorithm != KeyGOST2012_256 {
			t.Errorf("%s: key %T %v", tt.name, c.PublicKey, c.KeyAlgorithm)
		}
		if err := demo.CheckSignatureFrom(c); !errors.Is(err, tt.want) {
			t.Errorf("%s: CheckSignatureFrom: %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestParseAllFormats(t *testing.T) {
	a := realworldByPrefix(t, "ca_tensor")
	b := realworldByPrefix(t, "ca_root_minkomsvyaz")
	pemBoth := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.Raw}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: b.Raw})...)
	withKey := append(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.Raw})...)
	b64 := base64.StdEncoding.EncodeToString(a.Raw)
	url := base64.RawURLEncoding.EncodeToString(a.Raw)
	wrapped := ""
	for i := 0; i < len(b64); i += 64 {
		wrapped += b64[i:min(i+64, len(b64))] + "\r\n"
	}
	good := []struct {
		name string
		in   []byte
		n    int
	}{
		{"DER", a.Raw, 1},
		{"two DER", append(append([]byte(nil), a.Raw...), b.Raw...), 2},
		{"PEM", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.Raw}), 1},
		{"two PEM", pemBoth, 2},
		{"PEM with a key", withKey, 1},
		{"PEM with text around", append([]byte("Subject: test\n"), pemBoth...), 2},
		{"base64", []byte(b64), 1},
		{"base64 wrapped CRLF", []byte(wrapped), 1},
		{"URL-safe base64", []byte(url), 1},
		{"base64 with spaces around", []byte("  " + b64 + "\n\n"), 1},
	}
	for _, tt := range good {
		certs, err := ParseAll(tt.in)
		if err != nil || len(certs) != tt.n || !bytes.Equal(certs[0].Raw, a.Raw) {
			t.Errorf("%s: %d certificates, %v", tt.name, len(certs), err)
		}
	}
	bad := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"spaces", []byte("  \n")},
		{"PEM without certificate", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}})},
		{"PEM with a bad certificate", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0x00}})},
		{"broken PEM", []byte("-----BEGIN CERTIFICATE-----\nMIIB\n")},
		{"not base64", []byte("hello, world")},
		{"base64 of text", []byte(base64.StdEncoding.EncodeToString([]byte("hello")))},
		{"DER with garbage after", append(append([]byte(nil), a.Raw...), 0x01, 0x02)},
		{"second DER broken", append(append([]byte(nil), a.Raw...), 0x30, 0x03, 0x02, 0x01, 0x01)},
	}
	for _, tt := range bad {
		if certs, err := ParseAll(tt.in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %d certificates, %v", tt.name, len(certs), err)
		}
	}
}
