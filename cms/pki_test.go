package cms

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/internal/osslref"
)

// keySpec says how openssl makes a key and which digest signs its
// certificates.
type keySpec struct {
	name    string
	genpkey []string
	md      string
}

var (
	specGOST256  = keySpec{"gost256", []string{"-algorithm", "gost2012_256", "-pkeyopt", "paramset:TCA"}, "-md_gost12_256"}
	specGOST256B = keySpec{"gost256cpa", []string{"-algorithm", "gost2012_256", "-pkeyopt", "paramset:A"}, "-md_gost12_256"}
	specGOST512  = keySpec{"gost512", []string{"-algorithm", "gost2012_512", "-pkeyopt", "paramset:A"}, "-md_gost12_512"}
	specP256     = keySpec{"p256", []string{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"}, "-sha256"}
	specP384     = keySpec{"p384", []string{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"}, "-sha384"}
	specRSA      = keySpec{"rsa", []string{"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"}, "-sha256"}
)

// party is a key made by openssl with its certificate, known both as
// files (for openssl) and as parsed values (for this package).
type party struct {
	keyFile, certFile string
	key               crypto.Signer
	cert              *cert.Certificate
}

// pki is a root CA, an intermediate CA and leaf certificates issued by the
// intermediate, all made with openssl as GOST.md describes.
type pki struct {
	dir          string
	root, inter  *party
	rootCertFile string
}

const leafExt = `keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = emailProtection, clientAuth
certificatePolicies = 1.2.643.100.113.1
1.2.643.100.111 = ASN1:UTF8String:Zavera test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`

const caExt = `basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`

// newPKI makes a root and an intermediate CA with keys of spec.
func newPKI(t testing.TB, spec keySpec) *pki {
	t.Helper()
	dir := t.TempDir()
	p := &pki{dir: dir}
	write(t, dir, "leaf.ext", leafExt)
	write(t, dir, "ca.ext", caExt)
	rootKey := genKey(t, dir, "root", spec)
	osslref.Run(t, nil, "req", "-new", "-x509", "-key", rootKey, spec.md, "-days", "3650", "-utf8",
		"-subj", "/C=RU/O=Zavera Test/CN=Zavera Test Root "+spec.name,
		"-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
		"-addext", "subjectKeyIdentifier=hash",
		"-out", filepath.Join(dir, "root.pem"))
	p.root = loadParty(t, rootKey, filepath.Join(dir, "root.pem"))
	p.rootCertFile = p.root.certFile
	p.inter = p.issue(t, "inter", spec, "/C=RU/O=Zavera Test/CN=Zavera Test CA "+spec.name, p.root, "ca.ext")
	return p
}

// leaf issues a signer's certificate from the intermediate CA.
func (p *pki) leaf(t testing.TB, name string, spec keySpec) *party {
	subj := "/C=RU/O=ООО \"Ромашка\"/title=Генеральный директор/CN=Иванов Иван Иванович/SN=Иванов/GN=Иван Иванович/INN=770712345633/SNILS=11223344595/OGRN=1027700132195/INNLE=7707083893"
	return p.issue(t, name, spec, subj, p.inter, "leaf.ext")
}

func (p *pki) issue(t testing.TB, name string, spec keySpec, subj string, issuer *party, ext string) *party {
	t.Helper()
	key := genKey(t, p.dir, name, spec)
	csr := filepath.Join(p.dir, name+".csr")
	crt := filepath.Join(p.dir, name+".pem")
	osslref.Run(t, nil, "req", "-new", "-key", key, spec.md, "-utf8", "-subj", subj, "-out", csr)
	// The issuer's key decides the digest of the certificate signature.
	md := spec.md
	if issuer.key != nil {
		md = mdForKey(issuer)
	}
	osslref.Run(t, nil, "x509", "-req", "-in", csr, "-CA", issuer.certFile, "-CAkey", issuer.keyFile,
		"-CAcreateserial", "-days", "365", md, "-extfile", filepath.Join(p.dir, ext), "-out", crt)
	return loadParty(t, key, crt)
}

func mdForKey(p *party) string {
	switch p.cert.KeyAlgorithm {
	case cert.KeyGOST2012_256:
		return "-md_gost12_256"
	case cert.KeyGOST2012_512:
		return "-md_gost12_512"
	}
	return "-sha256"
}

func genKey(t testing.TB, dir, name string, spec keySpec) string {
	t.Helper()
	file := filepath.Join(dir, name+".key")
	osslref.Run(t, nil, append(append([]string{"genpkey"}, spec.genpkey...), "-out", file)...)
	return file
}

func write(t testing.TB, dir, name, text string) string {
	t.Helper()
	file := filepath.Join(dir, name)
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

func loadParty(t testing.TB, keyFile, certFile string) *party {
	t.Helper()
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		t.Fatalf("%s: no PEM", keyFile)
	}
	var key crypto.Signer
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		key = k.(crypto.Signer)
	} else if key, err = gost.ParsePKCS8PrivateKey(block.Bytes); err != nil {
		t.Fatalf("%s: %v", keyFile, err)
	}
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	certs, err := cert.ParseAll(certPEM)
	if err != nil || len(certs) != 1 {
		t.Fatalf("%s: %v", certFile, err)
	}
	return &party{keyFile: keyFile, certFile: certFile, key: key, cert: certs[0]}
}

// signer returns the party as a Signer with the intermediate as chain.
func (p *pki) signer(leaf *party) Signer {
	return Signer{Key: leaf.key, Certificate: leaf.cert, Chain: []*cert.Certificate{p.inter.cert}}
}

// opensslVerify runs openssl cms -verify on a DER signature and returns
// its error output on failure.
func opensslVerify(t *testing.T, p *pki, sig, content []byte, extra ...string) error {
	t.Helper()
	sigFile := write(t, p.dir, "sig.p7s", string(sig))
	args := []string{"cms", "-verify", "-cades", "-binary", "-inform", "DER", "-in", sigFile,
		"-CAfile", p.rootCertFile, "-purpose", "any", "-out", "/dev/null"}
	if content != nil {
		args = append(args, "-content", write(t, p.dir, "content.bin", string(content)))
	}
	args = append(args, extra...)
	if len(extra) > 0 && extra[0] == "-noverify" {
		// OpenSSL refuses -cades without the certificate check.
		args = append(args[:2], args[3:]...)
	}
	_, errOut, err := osslref.Try(t, nil, args...)
	if err != nil {
		return &opensslError{strings.TrimSpace(string(errOut))}
	}
	return nil
}

type opensslError struct{ msg string }

func (e *opensslError) Error() string { return "openssl: " + e.msg }
