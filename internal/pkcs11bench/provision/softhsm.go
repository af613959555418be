package provision

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	p11 "github.com/miekg/pkcs11"
)

// SoftHSMConfig writes a SoftHSM2 configuration whose token folder is
// inside dir and returns its path, to put in SOFTHSM2_CONF.
func SoftHSMConfig(dir string) (string, error) {
	tokens := filepath.Join(dir, "softhsm-tokens")
	if err := os.MkdirAll(tokens, 0o700); err != nil {
		return "", fail("%v", err)
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	body := "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\n"
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		return "", fail("%v", err)
	}
	return conf, nil
}

// SoftHSMToken initialises a new SoftHSM2 token with the label and the
// package's PINs, with softhsm2-util on the configuration conf.
func SoftHSMToken(conf, label string) error {
	cmd := exec.Command("softhsm2-util", "--init-token", "--free", "--label", label, "--pin", UserPIN, "--so-pin", SOPIN)
	cmd.Env = append(os.Environ(), "SOFTHSM2_CONF="+conf)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fail("softhsm2-util --init-token: %v: %s", err, out)
	}
	return nil
}

// Russian subject attributes, so that listings show INN and OGRN.
var (
	oidINN  = asn1.ObjectIdentifier{1, 2, 643, 3, 131, 1, 1}
	oidOGRN = asn1.ObjectIdentifier{1, 2, 643, 100, 1}
)

// SelfSigned makes a self-signed certificate for key with a company
// leader's subject.
func SelfSigned(key crypto.Signer, cn string) ([]byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, fail("%v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			CommonName: cn, Organization: []string{"ООО Ромашка"}, Country: []string{"RU"},
			ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidINN, Value: "770712345633"}, {Type: oidOGRN, Value: "1027700132195"}},
		},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(48 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment | x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fail("creating a certificate: %v", err)
	}
	return der, nil
}

var oidP256DER = []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}

// ECDSA puts a new P-256 key pair and its certificate on the token; id
// nil leaves CKA_ID out. The certificate file goes into dir.
func ECDSA(module, token, label string, id []byte, dir string) (*Key, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fail("%v", err)
	}
	der, err := SelfSigned(key, "Иванов Иван "+label)
	if err != nil {
		return nil, err
	}
	c, _ := x509.ParseCertificate(der)
	point, err := key.PublicKey.Bytes()
	if err != nil {
		return nil, fail("%v", err)
	}
	ecPoint, _ := asn1.Marshal(point)
	d, err := key.Bytes()
	if err != nil {
		return nil, fail("%v", err)
	}
	priv := append(common(p11.CKO_PRIVATE_KEY, label, id),
		p11.NewAttribute(p11.CKA_KEY_TYPE, p11.CKK_EC),
		p11.NewAttribute(p11.CKA_PRIVATE, true),
		p11.NewAttribute(p11.CKA_SENSITIVE, true),
		p11.NewAttribute(p11.CKA_SIGN, true),
		p11.NewAttribute(p11.CKA_EC_PARAMS, oidP256DER),
		p11.NewAttribute(p11.CKA_VALUE, d))
	pub := append(common(p11.CKO_PUBLIC_KEY, label, id),
		p11.NewAttribute(p11.CKA_KEY_TYPE, p11.CKK_EC),
		p11.NewAttribute(p11.CKA_VERIFY, true),
		p11.NewAttribute(p11.CKA_EC_PARAMS, oidP256DER),
		p11.NewAttribute(p11.CKA_EC_POINT, ecPoint))
	if err := Create(module, token, priv, pub, certObject(label, id, der, c.RawSubject)); err != nil {
		return nil, err
	}
	pemPath, err := writePEM(dir, label+".pem", der)
	if err != nil {
		return nil, err
	}
	return &Key{Label: label, ID: id, CertDER: der, CertPEM: pemPath, Software: key}, nil
}

// RSA puts a new RSA-2048 key pair and its certificate on the token.
func RSA(module, token, label string, id []byte, dir string) (*Key, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fail("%v", err)
	}
	der, err := SelfSigned(key, "Петров Пётр "+label)
	if err != nil {
		return nil, err
	}
	c, _ := x509.ParseCertificate(der)
	e := big.NewInt(int64(key.E)).Bytes()
	priv := append(common(p11.CKO_PRIVATE_KEY, label, id),
		p11.NewAttribute(p11.CKA_KEY_TYPE, p11.CKK_RSA),
		p11.NewAttribute(p11.CKA_PRIVATE, true),
		p11.NewAttribute(p11.CKA_SENSITIVE, true),
		p11.NewAttribute(p11.CKA_SIGN, true),
		p11.NewAttribute(p11.CKA_MODULUS, key.N.Bytes()),
		p11.NewAttribute(p11.CKA_PUBLIC_EXPONENT, e),
		p11.NewAttribute(p11.CKA_PRIVATE_EXPONENT, key.D.Bytes()),
		p11.NewAttribute(p11.CKA_PRIME_1, key.Primes[0].Bytes()),
		p11.NewAttribute(p11.CKA_PRIME_2, key.Primes[1].Bytes()),
		p11.NewAttribute(p11.CKA_EXPONENT_1, key.Precomputed.Dp.Bytes()),
		p11.NewAttribute(p11.CKA_EXPONENT_2, key.Precomputed.Dq.Bytes()),
		p11.NewAttribute(p11.CKA_COEFFICIENT, key.Precomputed.Qinv.Bytes()))
	pub := append(common(p11.CKO_PUBLIC_KEY, label, id),
		p11.NewAttribute(p11.CKA_KEY_TYPE, p11.CKK_RSA),
		p11.NewAttribute(p11.CKA_VERIFY, true),
		p11.NewAttribute(p11.CKA_MODULUS, key.N.Bytes()),
		p11.NewAttribute(p11.CKA_PUBLIC_EXPONENT, e))
	if err := Create(module, token, priv, pub, certObject(label, id, der, c.RawSubject)); err != nil {
		return nil, err
	}
	pemPath, err := writePEM(dir, label+".pem", der)
	if err != nil {
		return nil, err
	}
	return &Key{Label: label, ID: id, CertDER: der, CertPEM: pemPath, Software: key}, nil
}
