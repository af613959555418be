package pkcs11

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	p11 "github.com/miekg/pkcs11"
)

// softHSMPath is Debian's SoftHSM2 module (package softhsm2).
const softHSMPath = "/usr/lib/softhsm/libsofthsm2.so"

const (
	testUserPIN = "123456"
	testSOPIN   = "87654321"
)

// softKey is a key and self-signed certificate made for a test token.
type softKey struct {
	label string
	id    []byte
	key   crypto.Signer
	der   []byte // certificate
	pem   string // certificate file, for openssl -CAfile
}

// softHSM sets up a SoftHSM2 token in a temporary folder (its own config
// through SOFTHSM2_CONF) and imports keys and certificates into it.
type softHSM struct {
	dir   string
	label string
}

func newSoftHSM(t *testing.T, label string) *softHSM {
	t.Helper()
	if _, err := os.Stat(softHSMPath); err != nil {
		t.Fatalf("SoftHSM2 is missing (apt-get install softhsm2; make test installs it): %v", err)
	}
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	if err := os.Mkdir(tokens, 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	if err := os.WriteFile(conf, []byte("directories.tokendir = "+tokens+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	h := &softHSM{dir: dir}
	h.addToken(t, label)
	return h
}

// addToken initialises one more token.
func (h *softHSM) addToken(t *testing.T, label string) {
	t.Helper()
	out, err := exec.Command("softhsm2-util", "--init-token", "--free", "--label", label, "--pin", testUserPIN, "--so-pin", testSOPIN).CombinedOutput()
	if err != nil {
		t.Fatalf("softhsm2-util --init-token: %v\n%s", err, out)
	}
	if h.label == "" {
		h.label = label
	}
}

// withAdmin opens the module on its own (no Manager may have it open),
// logs into the token with the label as the user and runs fn.
func withAdmin(t *testing.T, module, label string, fn func(ctx *p11.Ctx, sh p11.SessionHandle)) {
	t.Helper()
	ctx := p11.New(module)
	if ctx == nil {
		t.Fatalf("cannot load %s", module)
	}
	defer ctx.Destroy()
	if err := ctx.Initialize(); err != nil {
		t.Fatalf("C_Initialize: %v", err)
	}
	defer ctx.Finalize()
	slots, err := ctx.GetSlotList(true)
	if err != nil {
		t.Fatal(err)
	}
	for _, sl := range slots {
		ti, err := ctx.GetTokenInfo(sl)
		if err != nil || ti.Label != label {
			continue
		}
		sh, err := ctx.OpenSession(sl, p11.CKF_SERIAL_SESSION|p11.CKF_RW_SESSION)
		if err != nil {
			t.Fatal(err)
		}
		defer ctx.CloseSession(sh)
		if err := ctx.Login(sh, p11.CKU_USER, testUserPIN); err != nil {
			t.Fatalf("C_Login: %v", err)
		}
		defer ctx.Logout(sh)
		fn(ctx, sh)
		return
	}
	t.Fatalf("no token %q in %s", label, module)
}

// selfSigned makes a certificate for key with a Russian-style subject.
func selfSigned(t *testing.T, key crypto.Signer, cn string) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject: pkix.Name{
			CommonName:   cn,
			Organization: []string{"ООО Ромашка"},
			Country:      []string{"RU"},
			ExtraNames: []pkix.AttributeTypeAndValue{
				{Type: asn1.ObjectIdentifier{1, 2, 643, 3, 131, 1, 1}, Value: "770712345633"},
				{Type: asn1.ObjectIdentifier{1, 2, 643, 100, 1}, Value: "1027700132195"},
			},
		},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment | x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func writePEM(t *testing.T, dir, name string, der []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

var oidP256 = []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}

// importECDSA creates a P-256 key pair and certificate on the token.
// With noID the objects carry no CKA_ID, so pairing must go by public key.
func (h *softHSM) importECDSA(t *testing.T, label string, id []byte) *softKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der := selfSigned(t, key, "Иванов Иван "+label)
	point, err := key.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	ecPoint, _ := asn1.Marshal(point)
	d := make([]byte, 32)
	key.D.FillBytes(d)
	common := func(class uint) []*p11.Attribute {
		a := []*p11.Attribute{
			p11.NewAttribute(p11.CKA_CLASS, class),
			p11.NewAttribute(p11.CKA_TOKEN, true),
			p11.NewAttribute(p11.CKA_LABEL, label),
		}
		if id != nil {
			a = append(a, p11.NewAttribute(p11.CKA_ID, id))
		}
		return a
	}
	priv := append(common(p11.CKO_PRIVATE_KEY),
		p11.NewAttribute(p11.CKA_KEY_TYPE, p11.CKK_EC),
		p11.NewAttribute(p11.CKA_PRIVATE, true),
		p11.NewAttribute(p11.CKA_SENSITIVE, true),
		p11.NewAttribute(p11.CKA_SIGN, true),
		p11.NewAttribute(p11.CKA_EC_PARAMS, oidP256),
		p11.NewAttribute(p11.CKA_VALUE, d))
	pub := append(common(p11.CKO_PUBLIC_KEY),
		p11.NewAttribute(p11.CKA_KEY_TYPE, p11.CKK_EC),
		p11.NewAttribute(p11.CKA_VERIFY, true),
		p11.NewAttribute(p11.CKA_EC_PARAMS, oidP256),
		p11.NewAttribute(p11.CKA_EC_POINT, ecPoint))
	h.create(t, priv, pub, certObject(common(p11.CKO_CERTIFICATE), der))
	return &softKey{label: label, id: id, key: key, der: der, pem: writePEM(t, h.dir, label+".pem", der)}
}

// importRSA creates an RSA-2048 key pair and certificate on the token.
func (h *softHSM) importRSA(t *testing.T, label string, id []byte) *softKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der := selfSigned(t, key, "Петров Пётр "+label)
	common := func(class uint) []*p11.Attribute {
		return []*p11.Attribute{
			p11.NewAttribute(p11.CKA_CLASS, class),
			p11.NewAttribute(p11.CKA_TOKEN, true),
			p11.NewAttribute(p11.CKA_LABEL, label),
			p11.NewAttribute(p11.CKA_ID, id),
		}
	}
	e := big.NewInt(int64(key.E)).Bytes()
	priv := append(common(p11.CKO_PRIVATE_KEY),
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
	pub := append(common(p11.CKO_PUBLIC_KEY),
		p11.NewAttribute(p11.CKA_KEY_TYPE, p11.CKK_RSA),
		p11.NewAttribute(p11.CKA_VERIFY, true),
		p11.NewAttribute(p11.CKA_MODULUS, key.N.Bytes()),
		p11.NewAttribute(p11.CKA_PUBLIC_EXPONENT, e))
	h.create(t, priv, pub, certObject(common(p11.CKO_CERTIFICATE), der))
	return &softKey{label: label, id: id, key: key, der: der, pem: writePEM(t, h.dir, label+".pem", der)}
}

func certObject(common []*p11.Attribute, der []byte) []*p11.Attribute {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return append(common,
		p11.NewAttribute(p11.CKA_CERTIFICATE_TYPE, p11.CKC_X_509),
		p11.NewAttribute(p11.CKA_SUBJECT, c.RawSubject),
		p11.NewAttribute(p11.CKA_VALUE, der))
}

func (h *softHSM) create(t *testing.T, objects ...[]*p11.Attribute) {
	t.Helper()
	h.createOn(t, h.label, objects...)
}

func (h *softHSM) createOn(t *testing.T, label string, objects ...[]*p11.Attribute) {
	t.Helper()
	withAdmin(t, softHSMPath, label, func(ctx *p11.Ctx, sh p11.SessionHandle) {
		for _, o := range objects {
			if _, err := ctx.CreateObject(sh, o); err != nil {
				t.Fatalf("C_CreateObject: %v", err)
			}
		}
	})
}

// openSoftHSM opens a Manager on SoftHSM only.
func openSoftHSM(t *testing.T, opts Options) *Manager {
	t.Helper()
	opts.Modules = append([]string{softHSMPath}, opts.Modules...)
	opts.NoDiscovery, opts.NoEnvironment = true, true
	m, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	for _, mod := range m.Modules() {
		if mod.Path == softHSMPath && mod.Err != nil {
			t.Fatalf("SoftHSM did not load: %v", mod.Err)
		}
	}
	return m
}

// fixedPIN returns a PIN callback that counts its calls.
func fixedPIN(pin string, calls *int) PINFunc {
	return func(PINRequest) ([]byte, error) {
		if calls != nil {
			*calls++
		}
		return []byte(pin), nil
	}
}
