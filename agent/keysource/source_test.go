package keysource_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/keysource"
	"github.com/zavera/zavera/gost/streebog"
	"github.com/zavera/zavera/keyfile"
	"github.com/zavera/zavera/keyfile/cpcontainer"
)

type pinAsker struct {
	asked  []agent.Token
	answer string
}

func (p *pinAsker) ask(_ context.Context, tok agent.Token) (*agent.PIN, error) {
	p.asked = append(p.asked, tok)
	return agent.NewPIN([]byte(p.answer)), nil
}

// TestSourceOpensWithPassword lists a container with a password as a
// software key, asks its password through the PIN function, signs, and
// wipes the key on Close.
func TestSourceOpensWithPassword(t *testing.T) {
	m := makeContainer(t, "Иванов 512", "Пароль-1", "-algorithm", "gost2012_512", "-pkeyopt", "paramset:A")
	l := keysource.OpenList(filepath.Join(t.TempDir(), keysource.FileName))
	e, err := l.Add(m.dir, "")
	if err != nil {
		t.Fatal(err)
	}
	src := keysource.New(keysource.Options{List: l})
	ctx := context.Background()
	certs, err := src.Certificates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 1 || !certs[0].SoftwareKey || certs[0].TokenID != keysource.TokenIDPrefix+e.ID ||
		string(certs[0].Cert.Raw) != string(m.cert.Raw) {
		t.Fatalf("Certificates = %+v", certs)
	}
	toks, _ := src.Tokens(ctx)
	if len(toks) != 1 || !toks[0].SoftwareKey || toks[0].Label != "Иванов 512" || toks[0].ID != certs[0].TokenID {
		t.Fatalf("Tokens = %+v", toks)
	}

	wrong := &pinAsker{answer: "пароль-1"}
	if _, err := src.OpenKey(ctx, certs[0].ID, wrong.ask); !errors.Is(err, agent.ErrPINIncorrect) {
		t.Fatalf("wrong password: %v, want ErrPINIncorrect", err)
	}
	var pe *agent.PINError
	if err := func() error { _, err := src.OpenKey(ctx, certs[0].ID, wrong.ask); return err }(); !errors.As(err, &pe) || pe.TriesLeft != -1 {
		t.Errorf("wrong password: %v, want a PINError without a count of tries", err)
	}

	right := &pinAsker{answer: m.password}
	k, err := src.OpenKey(ctx, certs[0].ID, right.ask)
	if err != nil {
		t.Fatal(err)
	}
	if len(right.asked) != 1 || !right.asked[0].SoftwareKey || right.asked[0].Label != "Иванов 512" {
		t.Errorf("PIN asked for %+v", right.asked)
	}
	h := streebog.New512()
	h.Write([]byte("документ"))
	digest := h.Sum(nil)
	sig, err := k.Sign(rand.Reader, digest, crypto.Hash(0))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.key.PublicKey().Verify(digest, sig); err != nil {
		t.Errorf("signature: %v", err)
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Sign(rand.Reader, digest, crypto.Hash(0)); err == nil {
		t.Error("the key signs after Close: it was not wiped")
	}
	if _, err := src.OpenKey(ctx, "0000", right.ask); !errors.Is(err, agent.ErrCertificateNotFound) {
		t.Errorf("unknown certificate: %v", err)
	}
}

// TestSourceNoPassword: the public container needs no password, so the
// PIN function is not called.
func TestSourceNoPassword(t *testing.T) {
	l := keysource.OpenList(filepath.Join(t.TempDir(), keysource.FileName))
	if _, err := l.Add(vectorDir, ""); err != nil {
		t.Fatal(err)
	}
	src := keysource.New(keysource.Options{List: l})
	certs, err := src.Certificates(context.Background())
	if err != nil || len(certs) != 1 {
		t.Fatalf("Certificates = %v, %v", certs, err)
	}
	p := &pinAsker{}
	k, err := src.OpenKey(context.Background(), certs[0].ID, p.ask)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if len(p.asked) != 0 {
		t.Error("a password was asked for a container without one")
	}
}

// TestKeysReportsProblems: an added key whose folder is gone is described
// with the reason and left out of the certificates; the others stay.
func TestKeysReportsProblems(t *testing.T) {
	l := keysource.OpenList(filepath.Join(t.TempDir(), keysource.FileName))
	gone := filepath.Join(t.TempDir(), "gone.000")
	if err := os.MkdirAll(gone, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"header.key", "masks.key", "primary.key"} {
		os.WriteFile(filepath.Join(gone, f), []byte{0x30, 0}, 0o600)
	}
	if _, err := l.Add(gone, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Add(vectorDir, ""); err != nil {
		t.Fatal(err)
	}
	src := keysource.New(keysource.Options{List: l})
	keys := src.Keys()
	if len(keys) != 2 || !errors.Is(keys[0].Err, keyfile.ErrDamaged) || keys[1].Err != nil || !keys[0].Added {
		t.Fatalf("Keys = %+v", keys)
	}
	os.RemoveAll(gone)
	keys = src.Keys()
	if !errors.Is(keys[0].Err, fs.ErrNotExist) {
		t.Errorf("a folder that is gone: %v", keys[0].Err)
	}
	certs, _ := src.Certificates(context.Background())
	if len(certs) != 1 || certs[0].ID != keys[1].CertificateID {
		t.Errorf("Certificates = %+v", certs)
	}
}

// TestChanged: after Changed the next listing reads the list again, and
// subscribers hear certificatesChanged.
func TestChanged(t *testing.T) {
	l := keysource.OpenList(filepath.Join(t.TempDir(), keysource.FileName))
	src := keysource.New(keysource.Options{List: l})
	var events []agent.TokenEvent
	stop := src.Subscribe(func(e agent.TokenEvent) { events = append(events, e) })
	defer stop()
	if certs, _ := src.Certificates(context.Background()); len(certs) != 0 {
		t.Fatalf("empty list: %+v", certs)
	}
	if _, err := l.Add(vectorDir, ""); err != nil {
		t.Fatal(err)
	}
	src.Changed()
	if certs, _ := src.Certificates(context.Background()); len(certs) != 1 {
		t.Fatalf("after Changed: %+v", certs)
	}
	if len(events) != 1 || events[0].Kind != agent.CertificatesChanged {
		t.Errorf("events %+v", events)
	}
}

// TestCertificateFromFile: a container that holds no certificate is listed
// only once a certificate file is named for it, and the key must match it.
func TestCertificateFromFile(t *testing.T) {
	m := makeContainer(t, "nocert", "pw", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:A")
	bare := filepath.Join(t.TempDir(), "bare.000")
	if err := cpcontainer.Create(bare, m.key, cpcontainer.CreateOptions{Password: "pw"}); err != nil {
		t.Fatal(err)
	}
	l := keysource.OpenList(filepath.Join(t.TempDir(), keysource.FileName))
	if _, err := l.Add(bare, ""); err != nil {
		t.Fatal(err)
	}
	src := keysource.New(keysource.Options{List: l})
	if keys := src.Keys(); len(keys) != 1 || !errors.Is(keys[0].Err, keysource.ErrNoCertificate) {
		t.Fatalf("without a certificate: %+v", keys)
	}
	if _, err := l.Add(bare, m.certPEM); err != nil {
		t.Fatal(err)
	}
	src.Changed()
	certs, _ := src.Certificates(context.Background())
	if len(certs) != 1 || string(certs[0].Cert.Raw) != string(m.cert.Raw) {
		t.Fatalf("with the certificate file: %+v", certs)
	}
	k, err := src.OpenKey(context.Background(), certs[0].ID, (&pinAsker{answer: "pw"}).ask)
	if err != nil {
		t.Fatal(err)
	}
	k.Close()

	// Another key's certificate: listed, but the key does not open for it.
	other := makeContainer(t, "other", "pw", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:A")
	if _, err := l.Add(bare, other.certPEM); err != nil {
		t.Fatal(err)
	}
	src.Changed()
	certs, _ = src.Certificates(context.Background())
	if _, err := src.OpenKey(context.Background(), certs[0].ID, (&pinAsker{answer: "pw"}).ask); !errors.Is(err, keysource.ErrKeyMismatch) {
		t.Errorf("a foreign certificate: %v, want ErrKeyMismatch", err)
	}
}
