package provision

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	p11 "github.com/miekg/pkcs11"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/gost"
)

// GOST R 34.10-2012 PKCS#11 constants (TC26, see GOST.md).
const (
	ckkGOSTR3410       = 0x30
	ckkGOSTR3410_512   = 0xD4321003
	ckaGOSTR3410Params = 0x250
)

// GOSTTokenConfig writes the test token's slot configuration into dir
// (the folder to put in GOSTTOKEN_DIR): one slot per name, and the user
// PIN tries before the PIN locks.
func GOSTTokenConfig(dir string, userTries int, slots ...string) error {
	var b strings.Builder
	for _, s := range slots {
		fmt.Fprintf(&b, "slot %s\n", s)
	}
	fmt.Fprintf(&b, "user_pin_tries %d\n", userTries)
	if err := os.WriteFile(filepath.Join(dir, "gosttoken.conf"), []byte(b.String()), 0o600); err != nil {
		return fail("%v", err)
	}
	return nil
}

// InitTokens initialises the tokens in the first len(labels) slots of
// module with the labels and the package's PINs.
func InitTokens(module string, labels ...string) error {
	return withModule(module, func(ctx *p11.Ctx) error {
		slots, err := ctx.GetSlotList(true)
		if err != nil {
			return fail("C_GetSlotList: %v", err)
		}
		if len(slots) < len(labels) {
			return fail("%d slots for %d tokens", len(slots), len(labels))
		}
		for i, label := range labels {
			if err := ctx.InitToken(slots[i], SOPIN, label); err != nil {
				return fail("C_InitToken: %v", err)
			}
			sh, err := ctx.OpenSession(slots[i], p11.CKF_SERIAL_SESSION|p11.CKF_RW_SESSION)
			if err != nil {
				return fail("C_OpenSession: %v", err)
			}
			err = ctx.Login(sh, p11.CKU_SO, SOPIN)
			if err == nil {
				err = ctx.InitPIN(sh, UserPIN)
				ctx.Logout(sh)
			}
			ctx.CloseSession(sh)
			if err != nil {
				return fail("setting the user PIN: %v", err)
			}
		}
		return nil
	})
}

// GOSTKey is a GOST key made by OpenSSL and put on a token.
type GOSTKey struct {
	Key
	Bits int
	Cert *cert.Certificate
	// Private is the key in software, read back from OpenSSL's PKCS#8.
	Private *gost.PrivateKey
}

// GOST makes a GOST R 34.10-2012 key of bits (256 or 512) on paramset
// (OpenSSL's names: A, B, C, TCA...) and a self-signed certificate with
// OpenSSL and the GOST engine (opensslConf loads it), and puts both on
// the token. Work files go into dir.
func GOST(module, token, label string, id []byte, bits int, paramset, dir, opensslConf string) (*GOSTKey, error) {
	return GOSTIssued(module, token, label, id, bits, paramset, dir, opensslConf, nil)
}

// opensslRun runs openssl with the configuration that loads the GOST
// engine and returns its output.
func opensslRun(opensslConf string, args ...string) ([]byte, error) {
	cmd := exec.Command("openssl", args...)
	cmd.Env = append(os.Environ(), "OPENSSL_CONF="+opensslConf)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return nil, fail("openssl %s: %v: %s", args[0], err, strings.TrimSpace(errOut.String()))
	}
	return out.Bytes(), nil
}

// GOSTCA is a GOST 2012-256 certification authority made by OpenSSL, for
// tests of certificate chains.
type GOSTCA struct {
	KeyPath, CertPath string
	DER               []byte
	Cert              *cert.Certificate
}

// NewGOSTCA makes a CA named cn in dir: a root when parent is nil,
// otherwise an intermediate CA that parent issued.
func NewGOSTCA(cn string, parent *GOSTCA, dir, opensslConf string) (*GOSTCA, error) {
	ca := &GOSTCA{KeyPath: filepath.Join(dir, cn+".key"), CertPath: filepath.Join(dir, cn+".pem")}
	if _, err := opensslRun(opensslConf, "genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:TCA", "-out", ca.KeyPath); err != nil {
		return nil, err
	}
	args := append([]string{"req", "-new", "-x509", "-key", ca.KeyPath, "-md_gost12_256", "-days", "3", "-utf8",
		"-out", ca.CertPath, "-subj", "/C=RU/O=Zavera Test/CN=" + cn,
		"-addext", "basicConstraints=critical,CA:TRUE",
		"-addext", "keyUsage=critical,keyCertSign,cRLSign"}, parent.signArgs()...)
	if _, err := opensslRun(opensslConf, args...); err != nil {
		return nil, err
	}
	der, err := opensslRun(opensslConf, "x509", "-in", ca.CertPath, "-outform", "DER")
	if err != nil {
		return nil, err
	}
	if ca.Cert, err = cert.Parse(der); err != nil {
		return nil, fail("parsing OpenSSL's certificate: %v", err)
	}
	ca.DER = der
	return ca, nil
}

// signArgs are the arguments of openssl req that have ca issue the
// certificate; none for a nil ca (self-signed).
func (ca *GOSTCA) signArgs() []string {
	if ca == nil {
		return nil
	}
	return []string{"-CA", ca.CertPath, "-CAkey", ca.KeyPath}
}

// CACertificate puts a certificate without a key on the token, as CA
// certificates come with a user's.
func CACertificate(module, token, label string, der []byte) error {
	c, err := cert.Parse(der)
	if err != nil {
		return fail("%v", err)
	}
	return Create(module, token, certObject(label, nil, der, c.RawSubject))
}

// GOSTIssued is GOST with the certificate issued by ca (self-signed when
// ca is nil).
func GOSTIssued(module, token, label string, id []byte, bits int, paramset, dir, opensslConf string, ca *GOSTCA) (*GOSTKey, error) {
	alg, md := "gost2012_256", "-md_gost12_256"
	if bits == 512 {
		alg, md = "gost2012_512", "-md_gost12_512"
	}
	keyPath := filepath.Join(dir, label+".key")
	crtPath := filepath.Join(dir, label+".pem")
	run := func(args ...string) ([]byte, error) { return opensslRun(opensslConf, args...) }
	if _, err := run("genpkey", "-algorithm", alg, "-pkeyopt", "paramset:"+paramset, "-out", keyPath); err != nil {
		return nil, err
	}
	args := append([]string{"req", "-new", "-x509", "-key", keyPath, md, "-days", "2", "-utf8", "-out", crtPath,
		"-subj", "/C=RU/O=ООО Ромашка/title=Генеральный директор/CN=Иванов Иван Иванович " + label + "/INN=770712345633/SNILS=11223344595/OGRN=1027700132195/INNLE=7707083893",
		"-addext", "keyUsage=critical,digitalSignature,nonRepudiation,keyCertSign"}, ca.signArgs()...)
	if _, err := run(args...); err != nil {
		return nil, err
	}
	der, err := run("x509", "-in", crtPath, "-outform", "DER")
	if err != nil {
		return nil, err
	}
	pk8, err := run("pkey", "-in", keyPath, "-outform", "DER")
	if err != nil {
		return nil, err
	}
	c, err := cert.Parse(der)
	if err != nil {
		return nil, fail("parsing OpenSSL's certificate: %v", err)
	}
	pub, ok := c.PublicKey.(*gost.PublicKey)
	if !ok {
		return nil, fail("certificate key is %T", c.PublicKey)
	}
	// PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier,
	// OCTET STRING } where the engine writes d little-endian.
	in := cryptobyte.String(pk8)
	var seq, algID cryptobyte.String
	var version int64
	var d []byte
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1Integer(&version) || !seq.ReadASN1(&algID, cbasn1.SEQUENCE) ||
		!seq.ReadASN1Bytes(&d, cbasn1.OCTET_STRING) {
		return nil, fail("cannot read the engine's PKCS#8")
	}
	priv, err := gost.NewPrivateKey(pub.Curve(), d)
	if err != nil {
		return nil, fail("%v", err)
	}
	if !priv.PublicKey().Equal(pub) {
		return nil, fail("the private key does not match the certificate")
	}
	var ob cryptobyte.Builder
	ob.AddASN1ObjectIdentifier(pub.Curve().OID())
	params := ob.BytesOrPanic()
	kt := uint(ckkGOSTR3410)
	if bits == 512 {
		kt = ckkGOSTR3410_512
	}
	privObj := append(common(p11.CKO_PRIVATE_KEY, label, id),
		p11.NewAttribute(p11.CKA_KEY_TYPE, kt),
		p11.NewAttribute(p11.CKA_PRIVATE, true),
		p11.NewAttribute(p11.CKA_SENSITIVE, true),
		p11.NewAttribute(p11.CKA_SIGN, true),
		p11.NewAttribute(ckaGOSTR3410Params, params),
		p11.NewAttribute(p11.CKA_VALUE, d))
	pubObj := append(common(p11.CKO_PUBLIC_KEY, label, id),
		p11.NewAttribute(p11.CKA_KEY_TYPE, kt),
		p11.NewAttribute(p11.CKA_VERIFY, true),
		p11.NewAttribute(ckaGOSTR3410Params, params),
		p11.NewAttribute(p11.CKA_VALUE, pub.Bytes()))
	if err := Create(module, token, privObj, pubObj, certObject(label, id, der, c.RawSubject)); err != nil {
		return nil, err
	}
	return &GOSTKey{Key: Key{Label: label, ID: id, CertDER: der, CertPEM: crtPath, Software: priv}, Bits: bits, Cert: c, Private: priv}, nil
}
