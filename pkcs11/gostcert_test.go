package pkcs11

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/internal/osslref"
)

// gostKey is a GOST key pair and self-signed certificate made by OpenSSL
// with the GOST engine.
type gostKey struct {
	bits   int
	der    []byte // certificate
	pem    string // certificate file
	d      []byte // private key, little-endian, as CKA_VALUE holds it
	pub    []byte // LE(X) || LE(Y)
	params []byte // DER OID of the parameter set (CKA_GOSTR3410_PARAMS)
	digest []byte // DER OID of the Streebog variant (CKA_GOSTR3411_PARAMS)
	key    *gost.PrivateKey
	cert   *cert.Certificate
}

// newGOSTKey makes a key on paramset (OpenSSL's names: TCA, A, ...) and
// a certificate for a company leader.
func newGOSTKey(t *testing.T, bits int, paramset, cn string) *gostKey {
	t.Helper()
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "key.pem")
	crtPath := filepath.Join(dir, "crt.pem")
	alg, md := "gost2012_256", "-md_gost12_256"
	if bits == 512 {
		alg, md = "gost2012_512", "-md_gost12_512"
	}
	osslref.Run(t, nil, "genpkey", "-algorithm", alg, "-pkeyopt", "paramset:"+paramset, "-out", keyPath)
	osslref.Run(t, nil, "req", "-new", "-x509", "-key", keyPath, md, "-days", "2", "-utf8", "-out", crtPath,
		"-subj", "/C=RU/O=ООО Ромашка/CN="+cn+"/INN=770712345633/OGRN=1027700132195/INNLE=7707083893",
		"-addext", "keyUsage=critical,digitalSignature,nonRepudiation,keyCertSign")
	der := osslref.Run(t, nil, "x509", "-in", crtPath, "-outform", "DER")
	pk8 := osslref.Run(t, nil, "pkey", "-in", keyPath, "-outform", "DER")
	c, err := cert.Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	gpub, ok := c.PublicKey.(*gost.PublicKey)
	if !ok {
		t.Fatalf("certificate key is %T", c.PublicKey)
	}
	// PrivateKeyInfo: SEQUENCE { version, AlgorithmIdentifier, OCTET STRING d (LE) }.
	in := cryptobyte.String(pk8)
	var seq, alg2 cryptobyte.String
	var version int64
	var d []byte
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1Integer(&version) || !seq.ReadASN1(&alg2, cbasn1.SEQUENCE) ||
		!seq.ReadASN1Bytes(&d, cbasn1.OCTET_STRING) {
		t.Fatal("cannot read the engine's PKCS#8")
	}
	priv, err := gost.NewPrivateKey(gpub.Curve(), d)
	if err != nil {
		t.Fatal(err)
	}
	if !priv.PublicKey().Equal(gpub) {
		t.Fatal("private key read from PKCS#8 does not match the certificate")
	}
	oidDER := func(oid []int) []byte {
		var b cryptobyte.Builder
		b.AddASN1ObjectIdentifier(oid)
		return b.BytesOrPanic()
	}
	return &gostKey{
		bits: bits, der: der, d: d, pub: gpub.Bytes(), key: priv, cert: c,
		pem:    crtPath,
		params: oidDER(gpub.Curve().OID()),
		digest: oidDER(gpub.Curve().DigestOID()),
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
