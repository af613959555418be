package pkcs11

import (
	"crypto"
	"os"
	"testing"

	"github.com/zavera/zavera/internal/pkcs11bench/provision"
)

// softHSMPath is Debian's SoftHSM2 module (package softhsm2).
const softHSMPath = provision.SoftHSMModule

const testUserPIN = provision.UserPIN

// softKey is a key and self-signed certificate put on a test token.
type softKey struct {
	label string
	key   crypto.Signer
	der   []byte // certificate
	pem   string // certificate file, for openssl -CAfile
}

// softHSM is a SoftHSM2 set-up in a temporary folder, with its own
// configuration through SOFTHSM2_CONF.
type softHSM struct {
	dir   string
	conf  string
	label string // the token keys go to
}

func newSoftHSM(t *testing.T, label string) *softHSM {
	t.Helper()
	if _, err := os.Stat(softHSMPath); err != nil {
		t.Fatalf("SoftHSM2 is missing (apt-get install softhsm2; make test installs it): %v", err)
	}
	dir := t.TempDir()
	conf, err := provision.SoftHSMConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	h := &softHSM{dir: dir, conf: conf}
	h.addToken(t, label)
	return h
}

// addToken initialises one more token; the first one receives the keys.
func (h *softHSM) addToken(t *testing.T, label string) {
	t.Helper()
	if err := provision.SoftHSMToken(h.conf, label); err != nil {
		t.Fatal(err)
	}
	if h.label == "" {
		h.label = label
	}
}

func fromProvision(k *provision.Key) *softKey {
	return &softKey{label: k.Label, key: k.Software, der: k.CertDER, pem: k.CertPEM}
}

// importECDSA puts a P-256 key pair and certificate on the token; with a
// nil id the objects carry no CKA_ID, so pairing must go by public key.
func (h *softHSM) importECDSA(t *testing.T, label string, id []byte) *softKey {
	t.Helper()
	k, err := provision.ECDSA(softHSMPath, h.label, label, id, h.dir)
	if err != nil {
		t.Fatal(err)
	}
	return fromProvision(k)
}

// importRSA puts an RSA-2048 key pair and certificate on the token.
func (h *softHSM) importRSA(t *testing.T, label string, id []byte) *softKey {
	t.Helper()
	k, err := provision.RSA(softHSMPath, h.label, label, id, h.dir)
	if err != nil {
		t.Fatal(err)
	}
	return fromProvision(k)
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
