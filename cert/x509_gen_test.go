package cert

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"slices"
	"testing"
	"time"
)

var testEpoch = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

type issued struct {
	der  []byte
	tmpl *x509.Certificate
	key  crypto.Signer
	std  *x509.Certificate
}

// issue makes a certificate with crypto/x509; parent nil means
// self-signed.
func issue(t *testing.T, tmpl *x509.Certificate, key crypto.Signer, parent *issued) *issued {
	t.Helper()
	p, pkey := tmpl, key
	if parent != nil {
		p, pkey = parent.std, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p, key.Public(), pkey)
	if err != nil {
		t.Fatal(err)
	}
	std, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &issued{der: der, tmpl: tmpl, key: key, std: std}
}

func ecKey(t *testing.T, c elliptic.Curve) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func caTemplate(cn string, serial int64, pathLen int) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn, Organization: []string{"Zavera Test"}, Country: []string{"RU"}},
		NotBefore: testEpoch.Add(-24 * time.Hour), NotAfter: testEpoch.Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, BasicConstraintsValid: true, IsCA: true,
		MaxPathLen: pathLen, MaxPathLenZero: pathLen == 0,
	}
}

func leafTemplate(cn string, serial int64) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn, OrganizationalUnit: []string{"Бухгалтерия"}},
		NotBefore: testEpoch.Add(-time.Hour), NotAfter: testEpoch.Add(30 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		Policies:              []x509.OID{mustOID("1.2.643.100.113.1")},
	}
}

func mustOID(s string) x509.OID {
	o, err := x509.ParseOID(s)
	if err != nil {
		panic(err)
	}
	return o
}

// compareWithStdlib checks the fields crypto/x509 also reads.
func compareWithStdlib(t *testing.T, c *Certificate, std *x509.Certificate) {
	t.Helper()
	if c.SerialNumber.Cmp(std.SerialNumber) != 0 || c.Version != std.Version ||
		!c.NotBefore.Equal(std.NotBefore) || !c.NotAfter.Equal(std.NotAfter) {
		t.Errorf("serial/version/validity differ: %v %d %v %v", c.SerialNumber, c.Version, c.NotBefore, c.NotAfter)
	}
	if c.Subject.CommonName != std.Subject.CommonName || c.Issuer.CommonName != std.Issuer.CommonName {
		t.Errorf("names %q/%q, crypto/x509 %q/%q", c.Subject.CommonName, c.Issuer.CommonName, std.Subject.CommonName, std.Issuer.CommonName)
	}
	if c.KeyUsage != std.KeyUsage || c.IsCA != std.IsCA || c.BasicConstraintsValid != std.BasicConstraintsValid {
		t.Errorf("usage %b CA %v, crypto/x509 %b %v", c.KeyUsage, c.IsCA, std.KeyUsage, std.IsCA)
	}
	wantPath := -1
	if std.MaxPathLen > 0 || std.MaxPathLenZero {
		wantPath = std.MaxPathLen
	}
	if c.MaxPathLen != wantPath {
		t.Errorf("path length %d, crypto/x509 %d", c.MaxPathLen, wantPath)
	}
	if string(c.SubjectKeyID) != string(std.SubjectKeyId) || string(c.AuthorityKeyID) != string(std.AuthorityKeyId) {
		t.Errorf("key ids differ")
	}
	if len(c.ExtKeyUsage) != len(std.ExtKeyUsage)+len(std.UnknownExtKeyUsage) {
		t.Errorf("EKU %v, crypto/x509 %v", c.ExtKeyUsage, std.ExtKeyUsage)
	}
	if len(c.Policies) != len(std.Policies) {
		t.Errorf("policies %v, crypto/x509 %v", c.Policies, std.Policies)
	}
	if std.PublicKey != nil && c.PublicKey != nil {
		if eq, ok := c.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(std.PublicKey) {
			t.Errorf("public key differs")
		}
	}
	if !slices.Equal(c.RawSubject, std.RawSubject) || !slices.Equal(c.RawTBSCertificate, std.RawTBSCertificate) || !slices.Equal(c.Signature, std.Signature) {
		t.Errorf("raw fields differ")
	}
}

func parseIssued(t *testing.T, i *issued) *Certificate {
	t.Helper()
	c, err := Parse(i.der)
	if err != nil {
		t.Fatal(err)
	}
	compareWithStdlib(t, c, i.std)
	return c
}

func TestStdlibECDSAAndRSA(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	root := issue(t, caTemplate("Root P-384", 1, 1), ecKey(t, elliptic.P384()), nil)
	inter := issue(t, caTemplate("Intermediate RSA", 2, 0), rsaKey, root)
	leaf256 := issue(t, leafTemplate("Leaf P-256", 3), ecKey(t, elliptic.P256()), inter)
	leaf521 := issue(t, leafTemplate("Leaf P-521", 4), ecKey(t, elliptic.P521()), root)

	r, i, l, l5 := parseIssued(t, root), parseIssued(t, inter), parseIssued(t, leaf256), parseIssued(t, leaf521)
	for _, k := range []struct {
		c    *Certificate
		alg  KeyAlgorithm
		bits int
		desc string
	}{{r, KeyECDSA, 384, "ECDSA P-384"}, {i, KeyRSA, 2048, "RSA 2048"}, {l, KeyECDSA, 256, "ECDSA P-256"}, {l5, KeyECDSA, 521, "ECDSA P-521"}} {
		if k.c.KeyAlgorithm != k.alg || k.c.KeyBits != k.bits || k.c.KeyString() != k.desc || k.c.KeyParamSet != nil {
			t.Errorf("%s: %v %d %q", k.desc, k.c.KeyAlgorithm, k.c.KeyBits, k.c.KeyString())
		}
	}
	if l.Subject.OrganizationalUnit != "Бухгалтерия" || l.Qualified() {
		t.Errorf("leaf OU %q qualified %v", l.Subject.OrganizationalUnit, l.Qualified())
	}

	at := testEpoch
	chain, err := VerifyChain(l, []*Certificate{i}, []*Certificate{r}, at)
	if err != nil || len(chain) != 3 || chain[0] != l || chain[1] != i || chain[2] != r {
		t.Fatalf("chain: %v %v", chain, err)
	}
	// crypto/x509 agrees.
	pool := x509.NewCertPool()
	pool.AddCert(root.std)
	ipool := x509.NewCertPool()
	ipool.AddCert(inter.std)
	if _, err := leaf256.std.Verify(x509.VerifyOptions{Roots: pool, Intermediates: ipool, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Fatalf("crypto/x509 refuses the chain: %v", err)
	}
	if _, err := VerifyChain(l5, nil, []*Certificate{r}, at); err != nil {
		t.Errorf("P-521 leaf under P-384 root (SHA-384): %v", err)
	}

	// Path length: the intermediate allows no CA below it.
	sub := issue(t, caTemplate("Sub CA", 5, -1), ecKey(t, elliptic.P256()), inter)
	leafSub := issue(t, leafTemplate("Leaf under sub CA", 6), ecKey(t, elliptic.P256()), sub)
	_, err = VerifyChain(parseIssued(t, leafSub), []*Certificate{i, parseIssued(t, sub)}, []*Certificate{r}, at)
	if !errors.Is(err, ErrPathLength) {
		t.Errorf("path length: %v, want ErrPathLength", err)
	}

	// An issuer without keyCertSign.
	noSign := caTemplate("CA without keyCertSign", 7, -1)
	noSign.KeyUsage = x509.KeyUsageDigitalSignature
	ns := issue(t, noSign, ecKey(t, elliptic.P256()), root)
	leafNS := issue(t, leafTemplate("Leaf under it", 8), ecKey(t, elliptic.P256()), ns)
	if _, err := VerifyChain(parseIssued(t, leafNS), []*Certificate{parseIssued(t, ns)}, []*Certificate{r}, at); !errors.Is(err, ErrNotCA) {
		t.Errorf("no keyCertSign: %v, want ErrNotCA", err)
	}

	// An unknown critical extension: parses, but no chain.
	crit := leafTemplate("Critical", 9)
	crit.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3, 4}, Critical: true, Value: []byte{5, 0}}}
	ci := parseIssued(t, issue(t, crit, ecKey(t, elliptic.P256()), root))
	if got := ci.UnhandledCriticalExtensions(); len(got) != 1 || !got[0].Equal(asn1.ObjectIdentifier{1, 2, 3, 4}) {
		t.Errorf("unhandled critical extensions %v", got)
	}
	if _, err := VerifyChain(ci, nil, []*Certificate{r}, at); !errors.Is(err, ErrUnhandledCritical) {
		t.Errorf("unknown critical extension: %v, want ErrUnhandledCritical", err)
	}
	// The same extension, not critical, is fine.
	crit.ExtraExtensions[0].Critical = false
	crit.SerialNumber = big.NewInt(10)
	if _, err := VerifyChain(parseIssued(t, issue(t, crit, ecKey(t, elliptic.P256()), root)), nil, []*Certificate{r}, at); err != nil {
		t.Errorf("unknown non-critical extension: %v", err)
	}

	// An Ed25519 issuer: parses, cannot be verified.
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edRoot := issue(t, caTemplate("Ed25519 root", 11, -1), edKey, nil)
	edLeaf := issue(t, leafTemplate("Leaf under Ed25519", 12), ecKey(t, elliptic.P256()), edRoot)
	er := parseIssued(t, edRoot)
	if er.KeyAlgorithm != KeyUnknown || er.PublicKey != nil {
		t.Errorf("Ed25519 key: %v %T", er.KeyAlgorithm, er.PublicKey)
	}
	if _, err := VerifyChain(parseIssued(t, edLeaf), nil, []*Certificate{er}, at); !errors.Is(err, ErrUnsupportedAlgorithm) {
		t.Errorf("Ed25519 issuer: %v, want ErrUnsupportedAlgorithm", err)
	}

	// A signature from the wrong key of the right type.
	other := issue(t, caTemplate("Root P-384", 1, 1), ecKey(t, elliptic.P384()), nil)
	if err := l5.CheckSignatureFrom(parseIssued(t, other)); !errors.Is(err, ErrBadSignature) {
		t.Errorf("wrong key: %v, want ErrBadSignature", err)
	}
	// A GOST-signed certificate checked against an ECDSA issuer.
	if err := realworldByPrefix(t, "ca_tensor").CheckSignatureFrom(r); !errors.Is(err, ErrBadSignature) {
		t.Errorf("GOST signature, ECDSA issuer: %v, want ErrBadSignature", err)
	}
}

// TestPathSearchIsBounded: many CA certificates sharing one name and key
// each verify under every other; without a bound the search would try
// every ordering of them.
func TestPathSearchIsBounded(t *testing.T) {
	key := ecKey(t, elliptic.P256())
	var pool []*Certificate
	var first *issued
	for i := 0; i < 12; i++ {
		tmpl := caTemplate("Loop CA", int64(100+i), -1)
		c := issue(t, tmpl, key, nil)
		if first == nil {
			first = c
		}
		pool = append(pool, parseIssued(t, c))
	}
	leaf := parseIssued(t, issue(t, leafTemplate("Leaf", 200), ecKey(t, elliptic.P256()), first))
	other := parseIssued(t, issue(t, caTemplate("Other root", 300, -1), ecKey(t, elliptic.P256()), nil))
	done := make(chan error, 1)
	go func() {
		_, err := VerifyChain(leaf, pool, []*Certificate{other}, testEpoch)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrUnknownAuthority) {
			t.Errorf("got %v, want ErrUnknownAuthority", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("path search did not end")
	}
}
