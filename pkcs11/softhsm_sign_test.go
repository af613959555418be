package pkcs11

import (
	"bytes"
	"crypto"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/internal/osslref"
)

// verifyWithOpenSSL checks a detached CAdES signature with openssl cms,
// the certificate being its own trust anchor.
func verifyWithOpenSSL(t *testing.T, dir string, sig, content []byte, caPEM string) {
	t.Helper()
	sigPath := filepath.Join(dir, fmt.Sprintf("sig-%d.p7s", time.Now().UnixNano()))
	docPath := sigPath + ".doc"
	if err := os.WriteFile(sigPath, sig, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(docPath, content, 0o600); err != nil {
		t.Fatal(err)
	}
	osslref.Run(t, nil, "cms", "-verify", "-binary", "-inform", "DER", "-in", sigPath, "-content", docPath,
		"-CAfile", caPEM, "-purpose", "any", "-out", os.DevNull)
}

func TestSoftHSMListsTokensAndCertificates(t *testing.T) {
	h := newSoftHSM(t, "zavera-list")
	ec := h.importECDSA(t, "ec", []byte{1})
	rs := h.importRSA(t, "rsa", []byte{2})
	noID := h.importECDSA(t, "ec-noid", nil)
	m := openSoftHSM(t, Options{})

	toks, err := m.Tokens()
	if err != nil {
		t.Fatal(err)
	}
	if len(toks) != 1 || toks[0].Label != "zavera-list" || toks[0].Module != softHSMPath {
		t.Fatalf("tokens = %+v", toks)
	}
	if !toks[0].PIN.LoginRequired || !toks[0].PIN.Initialized || toks[0].PIN.PINPad || toks[0].Manufacturer == "" || toks[0].Serial == "" {
		t.Fatalf("token state = %+v", toks[0])
	}

	certs, err := m.Certificates()
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 3 {
		t.Fatalf("%d certificates, want 3", len(certs))
	}
	byDER := map[string]*Certificate{}
	for _, c := range certs {
		byDER[string(c.Cert.Raw)] = c
	}
	for _, k := range []*softKey{ec, rs, noID} {
		c := byDER[string(k.der)]
		if c == nil {
			t.Fatalf("certificate %s not listed", k.label)
		}
		// The identifier is Streebog-256 of the DER, computed here by
		// OpenSSL's GOST engine.
		sum := strings.Fields(string(osslref.Run(t, k.der, "dgst", "-md_gost12_256", "-r")))[0]
		if c.ID != sum[:32] {
			t.Errorf("%s: ID %s, want %s", k.label, c.ID, sum[:32])
		}
		if c.Key != KeyAfterLogin {
			t.Errorf("%s: key state %v before login, want %v", k.label, c.Key, KeyAfterLogin)
		}
		if !strings.HasSuffix(c.Cert.Subject.CommonName, k.label) || c.Cert.Subject.INN != "770712345633" || c.Cert.Subject.OGRN != "1027700132195" {
			t.Errorf("%s: subject %+v", k.label, c.Cert.Subject)
		}
		if c.Token.Label != "zavera-list" {
			t.Errorf("%s: token %q", k.label, c.Token.Label)
		}
	}
	if got := byDER[string(noID.der)].KeyID; len(got) != 0 {
		t.Errorf("certificate without CKA_ID got key ID %x", got)
	}
	if got := byDER[string(rs.der)].KeyID; !bytes.Equal(got, []byte{2}) {
		t.Errorf("RSA key ID %x, want 02", got)
	}
}

func TestSoftHSMSignsVerifiedByOpenSSL(t *testing.T) {
	h := newSoftHSM(t, "zavera-sign")
	keys := []*softKey{
		h.importECDSA(t, "ec", []byte{1}),
		h.importRSA(t, "rsa", []byte{2}),
		h.importECDSA(t, "ec-noid", nil), // paired by public key
	}
	m := openSoftHSM(t, Options{})
	dir := t.TempDir()
	for _, k := range keys {
		t.Run(k.label, func(t *testing.T) {
			calls := 0
			m.Logout(certTokenID(t, m, k.der))
			key, err := m.Signer(CertificateID(k.der), fixedPIN(testUserPIN, &calls))
			if err != nil {
				t.Fatal(err)
			}
			if !key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(k.key.Public()) {
				t.Fatal("Public() is not the certificate's key")
			}
			for i := 0; i < 3; i++ {
				content := []byte(fmt.Sprintf("документ %d для %s\n", i, k.label))
				sig, err := cms.Sign(bytes.NewReader(content), cms.Signer{Key: key, Certificate: key.Certificate()}, nil)
				if err != nil {
					t.Fatal(err)
				}
				verifyWithOpenSSL(t, dir, sig, content, k.pem)
				// A signature over other content must not verify: the
				// check above can fail.
				if i == 0 {
					if _, _, err := osslref.Try(t, nil, "cms", "-verify", "-binary", "-inform", "DER", "-in", writeTemp(t, dir, sig),
						"-content", writeTemp(t, dir, append(content, '!')), "-CAfile", k.pem, "-purpose", "any", "-out", os.DevNull); err == nil {
						t.Fatal("openssl accepted the signature over altered content")
					}
				}
			}
			// The login is kept: one PIN for the whole batch.
			if calls != 1 {
				t.Fatalf("PIN asked %d times for 3 signatures, want 1", calls)
			}
		})
	}
}

func writeTemp(t *testing.T, dir string, b []byte) string {
	t.Helper()
	f, err := os.CreateTemp(dir, "blob-*")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

func TestSoftHSMWrongPIN(t *testing.T) {
	h := newSoftHSM(t, "zavera-pin")
	k := h.importECDSA(t, "ec", []byte{1})
	m := openSoftHSM(t, Options{})
	var seen []byte
	key, err := m.Signer(CertificateID(k.der), func(r PINRequest) ([]byte, error) {
		if r.Token.Label != "zavera-pin" {
			t.Errorf("PIN request for token %q", r.Token.Label)
		}
		seen = []byte("00000000")
		return seen, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cms.Sign(strings.NewReader("x"), cms.Signer{Key: key, Certificate: key.Certificate()}, nil)
	if !errors.Is(err, ErrPINIncorrect) {
		t.Fatalf("err = %v, want ErrPINIncorrect", err)
	}
	var pe *PINError
	if !errors.As(err, &pe) || pe.TriesLeft == 0 {
		t.Fatalf("err = %v, want a *PINError with tries left", err)
	}
	if !bytes.Equal(seen, make([]byte, 8)) {
		t.Fatalf("the PIN buffer was not wiped: %q", seen)
	}
	// A cancelled prompt is ErrCancelled.
	key2, _ := m.Signer(CertificateID(k.der), func(PINRequest) ([]byte, error) { return nil, errors.New("user closed the dialog") })
	if _, err := key2.Sign(nil, make([]byte, 32), hashSHA256); !errors.Is(err, ErrCancelled) {
		t.Fatalf("err = %v, want ErrCancelled", err)
	}
	// No callback at all: ErrPINRequired.
	key3, _ := m.Signer(CertificateID(k.der), nil)
	if _, err := key3.Sign(nil, make([]byte, 32), hashSHA256); !errors.Is(err, ErrPINRequired) {
		t.Fatalf("err = %v, want ErrPINRequired", err)
	}
}

func TestSoftHSMUnknownCertificate(t *testing.T) {
	h := newSoftHSM(t, "zavera-unknown")
	h.importECDSA(t, "ec", []byte{1})
	m := openSoftHSM(t, Options{})
	if _, err := m.Signer(hex.EncodeToString(make([]byte, 16)), nil); !errors.Is(err, ErrCertificateNotFound) {
		t.Fatalf("err = %v, want ErrCertificateNotFound", err)
	}
}

func TestSoftHSMIdleTimeoutLogsOut(t *testing.T) {
	h := newSoftHSM(t, "zavera-idle")
	k := h.importECDSA(t, "ec", []byte{1})
	m := openSoftHSM(t, Options{IdleTimeout: 150 * time.Millisecond})
	calls := 0
	key, err := m.Signer(CertificateID(k.der), fixedPIN(testUserPIN, &calls))
	if err != nil {
		t.Fatal(err)
	}
	sign := func() {
		t.Helper()
		if _, err := key.Sign(nil, make([]byte, 32), hashSHA256); err != nil {
			t.Fatal(err)
		}
	}
	sign()
	sign()
	if calls != 1 {
		t.Fatalf("PIN asked %d times, want 1", calls)
	}
	time.Sleep(500 * time.Millisecond)
	sign()
	if calls != 2 {
		t.Fatalf("PIN asked %d times after the idle timeout, want 2", calls)
	}
	m.Logout(key.Info().Token.ID)
	sign()
	if calls != 3 {
		t.Fatalf("PIN asked %d times after Logout, want 3", calls)
	}
}

func TestSoftHSMConcurrentSigning(t *testing.T) {
	h := newSoftHSM(t, "zavera-a")
	h.addToken(t, "zavera-b")
	ka := h.importECDSA(t, "ec-a", []byte{1})
	var kb *softKey
	func() {
		saved := h.label
		h.label = "zavera-b"
		defer func() { h.label = saved }()
		kb = h.importECDSA(t, "ec-b", []byte{1})
	}()
	m := openSoftHSM(t, Options{})
	var keys []*Key
	for _, k := range []*softKey{ka, kb} {
		key, err := m.Signer(CertificateID(k.der), fixedPIN(testUserPIN, nil))
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, key)
	}
	if keys[0].Info().Token.ID == keys[1].Info().Token.ID {
		t.Fatal("both keys on one token")
	}
	// Eight goroutines on two tokens: calls on one token share its
	// session, so without the per-token lock SoftHSM would crash.
	var wg sync.WaitGroup
	errs := make(chan error, 8*50)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(key *Key) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				d := bytes.Repeat([]byte{byte(i)}, 32)
				sig, err := key.Sign(nil, d, hashSHA256)
				if err != nil {
					errs <- err
					return
				}
				if !verifyECDSA(key, d, sig) {
					errs <- errors.New("signature does not verify")
					return
				}
			}
		}(keys[g%2])
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func certTokenID(t *testing.T, m *Manager, der []byte) string {
	t.Helper()
	certs, err := m.Certificates()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range certs {
		if bytes.Equal(c.Cert.Raw, der) {
			return c.Token.ID
		}
	}
	t.Fatal("certificate not on any token")
	return ""
}
