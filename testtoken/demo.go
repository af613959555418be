package testtoken

import (
	"bytes"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/miekg/pkcs11"
)

// ErrProvision reports a failed step of the demo provisioning.
var ErrProvision = errors.New("testtoken: provisioning failed")

// The PINs of the demo tokens. They are demo values, printed by the
// provisioning command; real tokens never have fixed PINs.
const (
	DemoSOPIN   = "87654321"
	DemoUserPIN = "12345678"
)

// Person is one holder of a demo certificate.
type Person struct {
	Slot      uint   // the token's slot
	Token     string // the token's label
	Title     string // title, as in the certificate
	Surname   string
	GivenName string // given name and patronymic
	INN       string // the person's INN, 12 digits
	SNILS     string // 11 digits
	KeyID     string // CKA_ID of the key pair and the certificate
	CertFile  string // the certificate (PEM), written by ProvisionDemo
}

// Demo is the demo identity: a fictitious company, its leader and its
// accountant, each on a token of their own, and the demo CA that issued
// their certificates.
type Demo struct {
	Dir        string
	Company    string // O
	INNLE      string // the company's INN, 10 digits
	OGRN       string // 13 digits
	CACert     string // the demo CA's certificate (PEM, GOST 2012-512)
	Leader     Person
	Accountant Person
}

// DemoIdentity returns the demo identity for a storage directory. Its
// numbers carry correct check digits but start with the tax office code
// 00, which no office has, so that they can never be a real company's or
// person's; the SNILS numbers are below 001-001-998, a range never issued.
func DemoIdentity(dir string) (*Demo, error) {
	innle, err := CompleteINN10("009900123")
	if err != nil {
		return nil, err
	}
	ogrn, err := CompleteOGRN("125000012345")
	if err != nil {
		return nil, err
	}
	leaderINN, err := CompleteINN12("0099123456")
	if err != nil {
		return nil, err
	}
	accINN, err := CompleteINN12("0099765432")
	if err != nil {
		return nil, err
	}
	leaderSNILS, err := CompleteSNILS("000123456")
	if err != nil {
		return nil, err
	}
	accSNILS, err := CompleteSNILS("000654321")
	if err != nil {
		return nil, err
	}
	return &Demo{
		Dir:     dir,
		Company: `ООО "Демонстрационная компания"`,
		INNLE:   innle,
		OGRN:    ogrn,
		CACert:  filepath.Join(dir, "demo-ca.crt"),
		Leader: Person{
			Slot: 0, Token: "Zavera Demo Leader", Title: "Генеральный директор",
			Surname: "Демонстрационный", GivenName: "Иван Петрович",
			INN: leaderINN, SNILS: leaderSNILS, KeyID: "leader",
			CertFile: filepath.Join(dir, "leader.crt"),
		},
		Accountant: Person{
			Slot: 1, Token: "Zavera Demo Accountant", Title: "Главный бухгалтер",
			Surname: "Примерова", GivenName: "Анна Сергеевна",
			INN: accINN, SNILS: accSNILS, KeyID: "accountant",
			CertFile: filepath.Join(dir, "accountant.crt"),
		},
	}, nil
}

// opensslConfig loads the GOST engine and teaches OpenSSL the INNLE
// attribute (see GOST.md); [req] lets `openssl req` run with -subj only.
func opensslConfig(enginePath string) string {
	return `openssl_conf = openssl_def
[openssl_def]
engines = engine_section
oid_section = new_oids
stbl_section = string_table
[engine_section]
gost = gost_section
[gost_section]
engine_id = gost
dynamic_path = ` + enginePath + `
default_algorithms = ALL
[new_oids]
INNLE = 1.2.643.100.4
[string_table]
INNLE = min:10,max:10,mask:NUMERICSTRING,flags:nomask
[req]
distinguished_name = req_dn
string_mask = utf8only
utf8 = yes
[req_dn]
`
}

// The extensions of the demo certificates: a qualified certificate of
// class KC1 with the signing tools named (subjectSignTool,
// issuerSignTool), as Russian qualified certificates carry them.
const demoExtensions = `[person]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = clientAuth, emailProtection
certificatePolicies = 1.2.643.100.113.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
1.2.643.100.111 = ASN1:UTF8String:Zavera GOST test token
1.2.643.100.112 = ASN1:SEQUENCE:issuer_sign_tool
[issuer_sign_tool]
sign_tool = UTF8:Zavera GOST test token
ca_tool = UTF8:Zavera demo CA (OpenSSL GOST engine)
sign_tool_cert = UTF8:demo, not certified
ca_tool_cert = UTF8:demo, not certified
`

// WriteDemoConfig prepares dir for the demo tokens: the module's slot
// configuration (slots "leader" and "accountant") and the OpenSSL
// configuration the provisioning uses. Call it before C_Initialize.
func WriteDemoConfig(dir, enginePath string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("%w: %v", ErrProvision, err)
	}
	files := map[string]string{
		"gosttoken.conf":  "# Zavera demo tokens\nslot leader\nslot accountant\n",
		"openssl.cnf":     opensslConfig(enginePath),
		"demo-extensions": demoExtensions,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			return fmt.Errorf("%w: %v", ErrProvision, err)
		}
	}
	return nil
}

// ProvisionDemo provisions the demo identity into the tokens of p, a module
// initialised on d.Dir after WriteDemoConfig: it makes the demo CA with
// OpenSSL, initialises both tokens, generates a GOST 2012-256 key pair on
// each, has the CA certify the token's public key and stores the
// certificate on the token.
func ProvisionDemo(p *pkcs11.Ctx, d *Demo) error {
	o := &openssl{dir: d.Dir}
	caKey := filepath.Join(d.Dir, "demo-ca.key")
	if err := o.run("req", "-x509", "-newkey", "gost2012_512", "-pkeyopt", "paramset:A", "-nodes",
		"-keyout", caKey, "-out", d.CACert, "-days", "3650", "-md_gost12_512", "-utf8",
		"-subj", `/C=RU/L=г. Москва/O=Демонстрационный УЦ Zavera/CN=Zavera Demo CA (GOST 2012-512)`,
		"-addext", "basicConstraints=critical,CA:TRUE",
		"-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature,nonRepudiation",
		"-addext", "1.2.643.100.111=ASN1:UTF8String:Zavera GOST test token"); err != nil {
		return err
	}
	for i, who := range []*Person{&d.Leader, &d.Accountant} {
		if err := provisionPerson(p, o, d, who, caKey, int64(i+1)); err != nil {
			return fmt.Errorf("%s: %w", who.Token, err)
		}
	}
	return nil
}

// paramsCryptoProA is the parameter set of the demo keys, the one most
// qualified certificates use.
var paramsCryptoProA = []byte{0x06, 0x07, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x23, 0x01}

func provisionPerson(p *pkcs11.Ctx, o *openssl, d *Demo, who *Person, caKey string, serial int64) error {
	if err := p.InitToken(who.Slot, DemoSOPIN, who.Token); err != nil {
		return fmt.Errorf("%w: C_InitToken: %v", ErrProvision, err)
	}
	s, err := p.OpenSession(who.Slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		return fmt.Errorf("%w: C_OpenSession: %v", ErrProvision, err)
	}
	defer p.CloseSession(s)
	if err := p.Login(s, pkcs11.CKU_SO, DemoSOPIN); err != nil {
		return fmt.Errorf("%w: C_Login(SO): %v", ErrProvision, err)
	}
	if err := p.InitPIN(s, DemoUserPIN); err != nil {
		return fmt.Errorf("%w: C_InitPIN: %v", ErrProvision, err)
	}
	if err := p.Logout(s); err != nil {
		return fmt.Errorf("%w: C_Logout: %v", ErrProvision, err)
	}
	if err := p.Login(s, pkcs11.CKU_USER, DemoUserPIN); err != nil {
		return fmt.Errorf("%w: C_Login: %v", ErrProvision, err)
	}
	label := who.Surname + " " + who.GivenName
	pub, _, err := p.GenerateKeyPair(s,
		[]*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_GOSTR3410_KEY_PAIR_GEN, nil)},
		[]*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
			pkcs11.NewAttribute(pkcs11.CKA_ID, []byte(who.KeyID)),
			pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
			pkcs11.NewAttribute(pkcs11.CKA_GOSTR3410_PARAMS, paramsCryptoProA),
		},
		[]*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
			pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
			pkcs11.NewAttribute(pkcs11.CKA_ID, []byte(who.KeyID)),
			pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		})
	if err != nil {
		return fmt.Errorf("%w: C_GenerateKeyPair: %v", ErrProvision, err)
	}
	attrs, err := p.GetAttributeValue(s, pub, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_GOSTR3410_PARAMS, nil),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil),
	})
	if err != nil {
		return fmt.Errorf("%w: reading the public key: %v", ErrProvision, err)
	}
	pubPEM, err := PublicKeyPEM(attrs[0].Value, attrs[1].Value)
	if err != nil {
		return err
	}

	// OpenSSL 3.0 cannot make a certificate without a request signed by
	// the subject's key; the token's key cannot sign one for openssl, so a
	// throw-away key signs the request and -force_pubkey puts the token's
	// key into the certificate.
	work, err := os.MkdirTemp(d.Dir, "work-")
	if err != nil {
		return fmt.Errorf("%w: %v", ErrProvision, err)
	}
	defer os.RemoveAll(work)
	pubFile := filepath.Join(work, "pub.pem")
	if err := os.WriteFile(pubFile, pubPEM, 0o600); err != nil {
		return fmt.Errorf("%w: %v", ErrProvision, err)
	}
	subj := fmt.Sprintf("/C=RU/ST=77 г. Москва/L=г. Москва/O=%s/title=%s/CN=%s %s/SN=%s/GN=%s/INN=%s/SNILS=%s/OGRN=%s/INNLE=%s",
		d.Company, who.Title, who.Surname, who.GivenName, who.Surname, who.GivenName, who.INN, who.SNILS, d.OGRN, d.INNLE)
	csr := filepath.Join(work, "req.pem")
	if err := o.run("req", "-new", "-newkey", "gost2012_256", "-pkeyopt", "paramset:A", "-nodes",
		"-keyout", filepath.Join(work, "throwaway.key"), "-out", csr, "-utf8", "-subj", subj); err != nil {
		return err
	}
	serialHex, err := randomSerial(serial)
	if err != nil {
		return err
	}
	if err := o.run("x509", "-req", "-in", csr, "-CA", d.CACert, "-CAkey", caKey, "-set_serial", serialHex,
		"-days", "730", "-md_gost12_512", "-force_pubkey", pubFile,
		"-extfile", filepath.Join(d.Dir, "demo-extensions"), "-extensions", "person", "-out", who.CertFile); err != nil {
		return err
	}
	certPEM, err := os.ReadFile(who.CertFile)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrProvision, err)
	}
	block, _ := pem.Decode(certPEM)
	if block == nil {
		return fmt.Errorf("%w: openssl wrote no certificate", ErrProvision)
	}
	if _, err := p.CreateObject(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE),
		pkcs11.NewAttribute(pkcs11.CKA_CERTIFICATE_TYPE, pkcs11.CKC_X_509),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_ID, []byte(who.KeyID)),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, block.Bytes),
	}); err != nil {
		return fmt.Errorf("%w: storing the certificate: %v", ErrProvision, err)
	}
	return nil
}

// randomSerial makes a positive 64-bit serial number with n in its low
// byte, as hex for -set_serial.
func randomSerial(n int64) (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("%w: %v", ErrProvision, err)
	}
	b[0] = b[0]&0x3f | 0x40
	b[7] = byte(n)
	return "0x" + new(big.Int).SetBytes(b).Text(16), nil
}

// openssl runs the openssl command on the demo's own configuration.
type openssl struct{ dir string }

func (o *openssl) run(args ...string) error {
	cmd := exec.Command("openssl", args...)
	cmd.Env = append(os.Environ(), "OPENSSL_CONF="+filepath.Join(o.dir, "openssl.cnf"))
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w: openssl %s: %v: %s", ErrProvision, args[0], err, strings.TrimSpace(errOut.String()))
	}
	return nil
}
