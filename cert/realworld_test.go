package cert

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"math/big"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/internal/osslref"
)

// TestRealWorldMatchesOpenSSL parses every real certificate and compares
// what OpenSSL with the GOST engine prints about it, field by field.
func TestRealWorldMatchesOpenSSL(t *testing.T) {
	for _, path := range realworldCerts(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			c := loadOne(t, path)
			text := opensslText(t, c.Raw)
			compareWithOpenSSL(t, c, text)
		})
	}
}

func compareWithOpenSSL(t *testing.T, c *Certificate, text string) {
	t.Helper()
	for _, n := range []struct {
		label string
		name  Name
	}{{"subject=", c.Subject}, {"issuer=", c.Issuer}} {
		want := opensslNameLines(t, text, n.label)
		got := attributeLines(n.name)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s\n got %q\nwant %q", n.label, got, want)
		}
	}

	serialHex, _, _ := opensslField(text, "serial=")
	want, ok := new(big.Int).SetString(serialHex, 16)
	if !ok || want.Cmp(c.SerialNumber) != 0 {
		t.Errorf("serial %X, openssl %s", c.SerialNumber, serialHex)
	}
	for _, d := range []struct {
		prefix string
		got    time.Time
	}{{"notBefore=", c.NotBefore}, {"notAfter=", c.NotAfter}} {
		s, _, _ := opensslField(text, d.prefix)
		want, err := time.Parse("Jan _2 15:04:05 2006 MST", s)
		if err != nil {
			t.Fatalf("openssl %s%s: %v", d.prefix, s, err)
		}
		if !want.Equal(d.got) {
			t.Errorf("%s %v, openssl %v", d.prefix, d.got, want)
		}
	}

	sigName, _, _ := opensslField(text, "Signature Algorithm:")
	if got := opensslOID(t, sigName); !got.Equal(c.SignatureAlgorithm) {
		t.Errorf("signature algorithm %s, openssl %s (%s)", c.SignatureAlgorithm, got, sigName)
	}

	keyAlg, _, _ := opensslField(text, "Public Key Algorithm:")
	wantAlg := map[string]KeyAlgorithm{
		"GOST R 34.10-2012 with 256 bit modulus": KeyGOST2012_256,
		"GOST R 34.10-2012 with 512 bit modulus": KeyGOST2012_512,
		"GOST R 34.10-2001":                      KeyGOST2001,
	}[keyAlg]
	if wantAlg != c.KeyAlgorithm {
		t.Errorf("key algorithm %v, openssl %q", c.KeyAlgorithm, keyAlg)
	}
	if set, _, ok := opensslField(text, "Parameter set:"); ok {
		if got := opensslOID(t, set); !got.Equal(c.KeyParamSet) {
			t.Errorf("parameter set %s, openssl %s (%s)", c.KeyParamSet, got, set)
		}
		if c.KeyParamSetName != set && !strings.HasPrefix(set, "GOST R 34.10-2012") {
			t.Errorf("parameter set name %q, openssl %q", c.KeyParamSetName, set)
		}
	} else {
		t.Errorf("openssl printed no parameter set")
	}

	if c.KeyAlgorithm.IsGOST() {
		pub, isGOST := c.PublicKey.(*gost.PublicKey)
		if !isGOST {
			t.Fatalf("GOST key not decoded: %T %v", c.PublicKey, c.keyErr)
		}
		x, _, _ := opensslField(text, "X:")
		y, _, _ := opensslField(text, "Y:")
		raw := pub.Bytes()
		n := len(raw) / 2
		if gx, gy := beHex(raw[:n]), beHex(raw[n:]); !strings.EqualFold(padHex(x, n), gx) || !strings.EqualFold(padHex(y, n), gy) {
			t.Errorf("public key X=%s Y=%s, openssl X=%s Y=%s", gx, gy, x, y)
		}
	}

	_, ku, ok := opensslField(text, "X509v3 Key Usage:")
	if ok != c.HasKeyUsage {
		t.Errorf("has key usage %v, openssl %v", c.HasKeyUsage, ok)
	} else if ok {
		var want x509.KeyUsage
		for _, name := range strings.Split(ku[0], ", ") {
			bit, known := keyUsageNames[name]
			if !known {
				t.Fatalf("unknown openssl key usage %q", name)
			}
			want |= bit
		}
		if want != c.KeyUsage {
			t.Errorf("key usage %b, openssl %b (%s)", c.KeyUsage, want, ku[0])
		}
	}

	_, bc, ok := opensslField(text, "X509v3 Basic Constraints:")
	if ok != c.BasicConstraintsValid {
		t.Errorf("basic constraints %v, openssl %v", c.BasicConstraintsValid, ok)
	} else if ok {
		want := "CA:FALSE"
		if c.IsCA {
			want = "CA:TRUE"
		}
		if c.MaxPathLen >= 0 {
			want += ", pathlen:" + itoa(c.MaxPathLen)
		}
		if bc[0] != want {
			t.Errorf("basic constraints %q, openssl %q", want, bc[0])
		}
	}

	_, ski, ok := opensslField(text, "X509v3 Subject Key Identifier:")
	if ok != (c.SubjectKeyID != nil) || ok && !bytes.Equal(hexColons(t, ski[0]), c.SubjectKeyID) {
		t.Errorf("subject key id %X, openssl %v", c.SubjectKeyID, ski)
	}
	// OpenSSL 3.0 prints "keyid:" only when the issuer name or serial
	// follow.
	if _, aki, ok := opensslField(text, "X509v3 Authority Key Identifier:"); ok && isHexColons(strings.TrimPrefix(aki[0], "keyid:")) {
		if !bytes.Equal(hexColons(t, strings.TrimPrefix(aki[0], "keyid:")), c.AuthorityKeyID) {
			t.Errorf("authority key id %X, openssl %v", c.AuthorityKeyID, aki[0])
		}
	} else if c.AuthorityKeyID != nil {
		t.Errorf("authority key id %X, openssl none", c.AuthorityKeyID)
	}

	_, sst, ok := opensslField(text, "Signing Tool of Subject:")
	if ok != (c.SubjectSignTool != "") || ok && sst[0] != c.SubjectSignTool {
		t.Errorf("subjectSignTool %q, openssl %q", c.SubjectSignTool, sst)
	}
	_, ist, ok := opensslField(text, "Signing Tool of Issuer:")
	if ok != (c.IssuerSignTool != nil) {
		t.Errorf("issuerSignTool %q, openssl %q", c.IssuerSignTool, ist)
	} else if ok {
		var want []string
		for _, l := range ist {
			_, v, _ := strings.Cut(l, ": ")
			want = append(want, v)
		}
		if strings.Join(want, "|") != strings.Join(c.IssuerSignTool, "|") {
			t.Errorf("issuerSignTool %q, openssl %q", c.IssuerSignTool, want)
		}
	}

	_, pol, ok := opensslField(text, "X509v3 Certificate Policies:")
	var wantPol []asn1.ObjectIdentifier
	for _, l := range pol {
		if name, isPolicy := strings.CutPrefix(l, "Policy: "); isPolicy {
			wantPol = append(wantPol, opensslOID(t, name))
		}
	}
	if ok != (len(c.Policies) > 0) || oidList(wantPol) != oidList(c.Policies) {
		t.Errorf("policies %s, openssl %s", oidList(c.Policies), oidList(wantPol))
	}

	_, eku, ok := opensslField(text, "X509v3 Extended Key Usage:")
	var wantEKU []asn1.ObjectIdentifier
	if ok {
		for _, name := range strings.Split(eku[0], ", ") {
			wantEKU = append(wantEKU, opensslOID(t, name))
		}
	}
	if oidList(wantEKU) != oidList(c.ExtKeyUsage) {
		t.Errorf("extended key usage %s, openssl %s", oidList(c.ExtKeyUsage), oidList(wantEKU))
	}
}

// attributeLines prints a Name as OpenSSL does with
// -nameopt sep_multiline,oid,utf8.
func attributeLines(n Name) []string {
	var lines []string
	for _, a := range n.Attributes {
		s := a.Type.String() + "=" + a.Value
		if a.MultiValued && len(lines) > 0 {
			lines[len(lines)-1] += " + " + s
			continue
		}
		lines = append(lines, s)
	}
	return lines
}

var keyUsageNames = map[string]x509.KeyUsage{
	"Digital Signature": x509.KeyUsageDigitalSignature,
	"Non Repudiation":   x509.KeyUsageContentCommitment,
	"Key Encipherment":  x509.KeyUsageKeyEncipherment,
	"Data Encipherment": x509.KeyUsageDataEncipherment,
	"Key Agreement":     x509.KeyUsageKeyAgreement,
	"Certificate Sign":  x509.KeyUsageCertSign,
	"CRL Sign":          x509.KeyUsageCRLSign,
	"Encipher Only":     x509.KeyUsageEncipherOnly,
	"Decipher Only":     x509.KeyUsageDecipherOnly,
}

var (
	oidCacheMu sync.Mutex
	oidCache   = map[string]asn1.ObjectIdentifier{}
)

// opensslOID asks OpenSSL for the OID of one of its object names (long,
// short or dotted) by having it encode the OID.
func opensslOID(t *testing.T, name string) asn1.ObjectIdentifier {
	t.Helper()
	oidCacheMu.Lock()
	defer oidCacheMu.Unlock()
	if oid, ok := oidCache[name]; ok {
		return oid
	}
	out := osslref.Run(t, nil, "asn1parse", "-genstr", "OID:"+name, "-noout", "-out", "/dev/stdout")
	var oid asn1.ObjectIdentifier
	if rest, err := asn1.Unmarshal(out, &oid); err != nil || len(rest) != 0 {
		t.Fatalf("openssl OID of %q: %x: %v", name, out, err)
	}
	oidCache[name] = oid
	return oid
}

func oidList(l []asn1.ObjectIdentifier) string {
	s := make([]string, len(l))
	for i, o := range l {
		s[i] = o.String()
	}
	return strings.Join(s, ",")
}

func isHexColons(s string) bool {
	_, err := hex.DecodeString(strings.ReplaceAll(s, ":", ""))
	return err == nil && s != ""
}

func hexColons(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, ":", ""))
	if err != nil {
		t.Fatalf("hex %q: %v", s, err)
	}
	return b
}

// beHex prints little-endian bytes as a big-endian hex number.
func beHex(le []byte) string {
	be := make([]byte, len(le))
	for i := range le {
		be[len(le)-1-i] = le[i]
	}
	return hex.EncodeToString(be)
}

// padHex left-pads OpenSSL's hex (which drops leading zeros) to n bytes.
func padHex(s string, n int) string {
	for len(s) < 2*n {
		s = "0" + s
	}
	return s
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }
