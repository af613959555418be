package agent_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/internal/osslref"
)

// testKey is a software key with its certificate, also as files for
// openssl.
type testKey struct {
	key      crypto.Signer
	cert     *cert.Certificate
	certFile string // PEM, for openssl -CAfile (the certificates are self-signed)
	keyFile  string
}

// testPKI holds the keys the tests sign with: a qualified leader's GOST
// certificate made by openssl, and an ECDSA P-256 one made with
// crypto/x509.
type testPKI struct {
	dir    string
	leader *testKey // GOST 2012-256, qualified, INN/SNILS/OGRN/INNLE
	ecdsa  *testKey // ECDSA P-256, digitalSignature only
}

var (
	pkiOnce sync.Once
	pkiVal  *testPKI
)

const (
	leaderINN   = "770712345633"
	leaderSNILS = "11223344595"
	leaderOGRN  = "1027700132195"
	leaderINNLE = "7707083893"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if pkiVal != nil {
		os.RemoveAll(pkiVal.dir)
	}
	os.Exit(code)
}

// getPKI makes the keys once for the whole test run.
func getPKI(t *testing.T) *testPKI {
	t.Helper()
	pkiOnce.Do(func() {
		dir, err := os.MkdirTemp("", "zavera-agent-test")
		if err != nil {
			t.Fatal(err)
		}
		pkiVal = &testPKI{dir: dir, leader: makeGOSTLeader(t, dir), ecdsa: makeECDSA(t, dir)}
	})
	if pkiVal == nil || pkiVal.leader == nil || pkiVal.ecdsa == nil {
		t.Fatal("test keys were not made")
	}
	return pkiVal
}

func makeGOSTLeader(t *testing.T, dir string) *testKey {
	p := func(n string) string { return filepath.Join(dir, n) }
	ext := `[leader]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = clientAuth,emailProtection
certificatePolicies = 1.2.643.100.113.1
subjectKeyIdentifier = hash
1.2.643.100.111 = ASN1:FORMAT:UTF8,UTF8String:Zavera
1.2.643.100.112 = ASN1:SEQUENCE:issuer_tools
[issuer_tools]
signTool = FORMAT:UTF8,UTF8String:Zavera CSP
cATool = FORMAT:UTF8,UTF8String:Zavera CA
signToolCert = FORMAT:UTF8,UTF8String:SF/1
cAToolCert = FORMAT:UTF8,UTF8String:SF/2
`
	if err := os.WriteFile(p("leader.cnf"), []byte(ext), 0o600); err != nil {
		t.Fatal(err)
	}
	osslref.Run(t, nil, "genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:TCA", "-out", p("leader.key"))
	osslref.Run(t, nil, "req", "-new", "-utf8", "-key", p("leader.key"),
		"-subj", `/C=RU/O=ООО "Ромашка"/title=Генеральный директор/CN=Иванов Иван Иванович/SN=Иванов/GN=Иван Иванович/INN=`+leaderINN+`/SNILS=`+leaderSNILS+`/OGRN=`+leaderOGRN+`/INNLE=`+leaderINNLE,
		"-out", p("leader.csr"))
	osslref.Run(t, nil, "x509", "-req", "-in", p("leader.csr"), "-signkey", p("leader.key"), "-md_gost12_256",
		"-days", "365", "-set_serial", "0x7E57", "-extfile", p("leader.cnf"), "-extensions", "leader", "-out", p("leader.pem"))
	return loadKey(t, p("leader.key"), p("leader.pem"))
}

func makeECDSA(t *testing.T, dir string) *testKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42),
		Subject: pkix.Name{CommonName: "Петрова Анна", Organization: []string{"ООО Василёк"},
			ExtraNames: []pkix.AttributeTypeAndValue{{Type: asn1.ObjectIdentifier{1, 2, 643, 100, 4}, Value: "7728168971"}}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "ecdsa.pem"), filepath.Join(dir, "ecdsa.key")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "PRIVATE KEY", pkcs8)
	return loadKey(t, keyFile, certFile)
}

func writePEM(t *testing.T, file, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func loadKey(t *testing.T, keyFile, certFile string) *testKey {
	t.Helper()
	kb, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(kb)
	if b == nil {
		t.Fatalf("%s: no PEM", keyFile)
	}
	var key crypto.Signer
	if k, err := x509.ParsePKCS8PrivateKey(b.Bytes); err == nil {
		key = k.(crypto.Signer)
	} else if key, err = gost.ParsePKCS8PrivateKey(b.Bytes); err != nil {
		t.Fatalf("%s: %v", keyFile, err)
	}
	cb, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := cert.ParseAll(cb)
	if err != nil {
		t.Fatal(err)
	}
	return &testKey{key: key, cert: cs[0], certFile: certFile, keyFile: keyFile}
}

// certID is the ID the fake source gives a certificate.
func certID(c *cert.Certificate) string {
	s := c.ThumbprintSHA1()
	return hex.EncodeToString(s[:])
}

// fakeSource is a token source over software keys with the knobs of a
// real token: a PIN with a tries counter, removal after N signatures,
// a delay per signature, and events.
type fakeSource struct {
	mu          sync.Mutex
	token       agent.Token
	present     bool
	certs       []agent.Certificate
	keys        map[string]crypto.Signer
	pin         string // "" means no login needed
	triesLeft   int
	maxTries    int
	removeAfter int // remove the token after this many signatures; 0 never
	signs       int
	delay       time.Duration
	opened      int
	closed      int
	subs        map[int]func(agent.TokenEvent)
	nextSub     int
	block       chan struct{} // when set, Tokens waits on it
	// lazyLogin logs in at the first signature, as package pkcs11 does,
	// instead of in OpenKey.
	lazyLogin bool
	loggedIn  bool
	// signGate, when set, holds every signature until it is closed.
	signGate chan struct{}
}

func newFakeSource(keys ...*testKey) *fakeSource {
	s := &fakeSource{
		token:   agent.Token{ID: "tok-1", Label: "Test token", Manufacturer: "Zavera", Model: "fake", Serial: "0001"},
		present: true, keys: map[string]crypto.Signer{}, subs: map[int]func(agent.TokenEvent){},
		maxTries: 3, triesLeft: 3,
	}
	for _, k := range keys {
		id := certID(k.cert)
		s.certs = append(s.certs, agent.Certificate{ID: id, TokenID: s.token.ID, Cert: k.cert})
		s.keys[id] = k.key
	}
	return s
}

func (s *fakeSource) Tokens(ctx context.Context) ([]agent.Token, error) {
	s.mu.Lock()
	block := s.block
	s.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.present {
		return nil, nil
	}
	t := s.token
	t.PINLocked = s.pin != "" && s.triesLeft == 0
	return []agent.Token{t}, nil
}

func (s *fakeSource) Certificates(context.Context) ([]agent.Certificate, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.present {
		return nil, nil
	}
	return append([]agent.Certificate(nil), s.certs...), nil
}

func (s *fakeSource) OpenKey(ctx context.Context, id string, pin agent.PINFunc) (agent.Key, error) {
	s.mu.Lock()
	k, ok := s.keys[id]
	present, need, tok := s.present, s.pin, s.token
	locked := s.triesLeft == 0
	s.mu.Unlock()
	if !present {
		return nil, fmt.Errorf("fake: %w", agent.ErrTokenNotFound)
	}
	if !ok {
		return nil, fmt.Errorf("fake: %w", agent.ErrCertificateNotFound)
	}
	s.mu.Lock()
	lazy := s.lazyLogin
	s.mu.Unlock()
	if need != "" && !lazy {
		if err := s.login(ctx, tok, pin, locked); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	s.opened++
	s.mu.Unlock()
	return &fakeKey{s: s, k: k, ctx: ctx, pin: pin}, nil
}

func (s *fakeSource) login(ctx context.Context, tok agent.Token, pin agent.PINFunc, locked bool) error {
	if locked {
		return fmt.Errorf("fake: %w", agent.ErrPINLocked)
	}
	p, err := pin(ctx, tok)
	if err != nil {
		return err
	}
	defer p.Wipe()
	s.mu.Lock()
	defer s.mu.Unlock()
	if string(p.Bytes()) != s.pin {
		s.triesLeft--
		if s.triesLeft == 0 {
			return fmt.Errorf("fake: %w", agent.ErrPINLocked)
		}
		return &agent.PINError{TriesLeft: s.triesLeft}
	}
	s.triesLeft = s.maxTries
	s.loggedIn = true
	return nil
}

func (s *fakeSource) Subscribe(fn func(agent.TokenEvent)) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nextSub
	s.nextSub++
	s.subs[n] = fn
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.subs, n)
	}
}

// setPresent inserts or removes the token and tells subscribers.
func (s *fakeSource) setPresent(p bool) {
	s.mu.Lock()
	s.present = p
	kind := agent.TokenInserted
	if !p {
		kind = agent.TokenRemoved
	}
	subs := make([]func(agent.TokenEvent), 0, len(s.subs))
	for _, f := range s.subs {
		subs = append(subs, f)
	}
	s.mu.Unlock()
	for _, f := range subs {
		f(agent.TokenEvent{Kind: kind, TokenID: s.token.ID})
	}
}

func (s *fakeSource) counts() (opened, closed, signs int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opened, s.closed, s.signs
}

type fakeKey struct {
	s   *fakeSource
	k   crypto.Signer
	ctx context.Context
	pin agent.PINFunc
}

func (k *fakeKey) Public() crypto.PublicKey { return k.k.Public() }

// WillAskPIN tells, as package pkcs11 does, whether the next signature
// logs in first.
func (k *fakeKey) WillAskPIN() bool {
	k.s.mu.Lock()
	defer k.s.mu.Unlock()
	return k.s.lazyLogin && k.s.pin != "" && !k.s.loggedIn
}

func (k *fakeKey) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	k.s.mu.Lock()
	delay, gate := k.s.delay, k.s.signGate
	k.s.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	if gate != nil {
		<-gate
	}
	k.s.mu.Lock()
	if k.s.lazyLogin && k.s.pin != "" && !k.s.loggedIn {
		tok, locked := k.s.token, k.s.triesLeft == 0
		k.s.mu.Unlock()
		if err := k.s.login(k.ctx, tok, k.pin, locked); err != nil {
			return nil, err
		}
		k.s.mu.Lock()
	}
	if k.s.removeAfter > 0 && k.s.signs >= k.s.removeAfter && k.s.present {
		k.s.mu.Unlock()
		k.s.setPresent(false)
		k.s.mu.Lock()
	}
	if !k.s.present {
		k.s.mu.Unlock()
		return nil, fmt.Errorf("fake: device removed: %w", agent.ErrTokenNotFound)
	}
	k.s.signs++
	k.s.mu.Unlock()
	return k.k.Sign(r, digest, opts)
}

func (k *fakeKey) Close() error {
	k.s.mu.Lock()
	k.s.closed++
	k.s.mu.Unlock()
	return nil
}

// fakePrompter answers prompts by script and records them.
type fakePrompter struct {
	mu       sync.Mutex
	approve  func(agent.OriginRequest) error
	confirm  func(agent.SigningRequest) error
	pin      func(agent.PINRequest) (string, error)
	hang     bool // wait for the context instead of answering
	started  chan string
	origins  []agent.OriginRequest
	signings []agent.SigningRequest
	pins     []agent.PINRequest
	notices  []agent.Notice
}

func newFakePrompter() *fakePrompter {
	return &fakePrompter{
		approve: func(agent.OriginRequest) error { return nil },
		confirm: func(agent.SigningRequest) error { return nil },
		pin:     func(agent.PINRequest) (string, error) { return "1234", nil },
	}
}

func (p *fakePrompter) wait(ctx context.Context, what string) error {
	p.mu.Lock()
	hang, started := p.hang, p.started
	p.mu.Unlock()
	if started != nil {
		started <- what
	}
	if hang {
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

func (p *fakePrompter) ApproveOrigin(ctx context.Context, r agent.OriginRequest) error {
	p.mu.Lock()
	p.origins = append(p.origins, r)
	f := p.approve
	p.mu.Unlock()
	if err := p.wait(ctx, "origin"); err != nil {
		return err
	}
	return f(r)
}

func (p *fakePrompter) ConfirmSigning(ctx context.Context, r agent.SigningRequest) error {
	p.mu.Lock()
	p.signings = append(p.signings, r)
	f := p.confirm
	p.mu.Unlock()
	if err := p.wait(ctx, "confirm"); err != nil {
		return err
	}
	return f(r)
}

func (p *fakePrompter) PIN(ctx context.Context, r agent.PINRequest) (*agent.PIN, error) {
	p.mu.Lock()
	p.pins = append(p.pins, r)
	f := p.pin
	p.mu.Unlock()
	if err := p.wait(ctx, "pin"); err != nil {
		return nil, err
	}
	s, err := f(r)
	if err != nil {
		return nil, err
	}
	return agent.NewPIN([]byte(s)), nil
}

func (p *fakePrompter) Notify(n agent.Notice) {
	p.mu.Lock()
	p.notices = append(p.notices, n)
	p.mu.Unlock()
}

func (p *fakePrompter) snapshot() (origins []agent.OriginRequest, signings []agent.SigningRequest, pins []agent.PINRequest, notices []agent.Notice) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append(origins, p.origins...), append(signings, p.signings...), append(pins, p.pins...), append(notices, p.notices...)
}
