package p11source_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/journal"
	"github.com/zavera/zavera/agent/p11source"
	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/internal/pkcs11bench/provision"
	"github.com/zavera/zavera/pkcs11"
)

const (
	softToken = "Zavera SoftHSM"
	gostToken = "Zavera GOST"
	origin    = "https://portal.example"
)

// tokens is a SoftHSM token with an ECDSA key and a GOST test token with a
// GOST 2012-256 key, both real PKCS#11 modules.
type tokens struct {
	dir     string // also GOSTTOKEN_DIR
	gostMod string
	ecdsa   *provision.Key
	gost    *provision.GOSTKey
}

func provisionTokens(t *testing.T) *tokens {
	t.Helper()
	osslref.Require(t)
	dir := t.TempDir()
	gostMod := filepath.Join(osslref.Root(t), "build", "libgosttoken.so")
	if _, err := os.Stat(gostMod); err != nil {
		t.Fatalf("the GOST test token is not built (%v): run make testtoken", err)
	}
	conf, err := provision.SoftHSMConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	t.Setenv("GOSTTOKEN_DIR", dir)
	if err := provision.SoftHSMToken(conf, softToken); err != nil {
		t.Fatal(err)
	}
	tk := &tokens{dir: dir, gostMod: gostMod}
	if tk.ecdsa, err = provision.ECDSA(provision.SoftHSMModule, softToken, "ecdsa", []byte("e1"), dir); err != nil {
		t.Fatal(err)
	}
	if err := provision.GOSTTokenConfig(dir, 5, "one"); err != nil {
		t.Fatal(err)
	}
	if err := provision.InitTokens(gostMod, gostToken); err != nil {
		t.Fatal(err)
	}
	if tk.gost, err = provision.GOST(gostMod, gostToken, "g256", []byte("g1"), 256, "TCA", dir, osslref.Config(t)); err != nil {
		t.Fatal(err)
	}
	return tk
}

// open opens both modules in a Manager closed when the test ends.
func (tk *tokens) open(t *testing.T) *pkcs11.Manager {
	t.Helper()
	m, err := pkcs11.Open(pkcs11.Options{Modules: []string{provision.SoftHSMModule, tk.gostMod},
		NoDiscovery: true, NoEnvironment: true, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// control writes the GOST test token's fault file.
func (tk *tokens) control(t *testing.T, lines string) {
	t.Helper()
	tmp := filepath.Join(tk.dir, "control.tmp")
	if err := os.WriteFile(tmp, []byte(lines+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(tk.dir, "control")); err != nil {
		t.Fatal(err)
	}
}

// prompter approves and types PINs from a script.
type prompter struct {
	mu   sync.Mutex
	pins []string // typed in order; the last repeats
	asks []agent.PINRequest
}

func (p *prompter) ApproveOrigin(context.Context, agent.OriginRequest) error   { return nil }
func (p *prompter) ConfirmSigning(context.Context, agent.SigningRequest) error { return nil }
func (p *prompter) Notify(agent.Notice)                                        {}
func (p *prompter) PIN(_ context.Context, r agent.PINRequest) (*agent.PIN, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asks = append(p.asks, r)
	pin := p.pins[0]
	if len(p.pins) > 1 {
		p.pins = p.pins[1:]
	}
	return agent.NewPIN([]byte(pin)), nil
}

func (p *prompter) asked() []agent.PINRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]agent.PINRequest(nil), p.asks...)
}

// page is a websocket client with notifications.
type page struct {
	t     *testing.T
	ws    *websocket.Conn
	mu    sync.Mutex
	id    int
	resps map[int]chan msg
	notes chan msg
}

type msg struct {
	ID     *int            `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code int
		Data struct {
			Reason    string
			TriesLeft *int
		}
	} `json:"error"`
}

func openPage(t *testing.T, addr string) *page {
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/", http.Header{"Origin": {origin}})
	if err != nil {
		t.Fatal(err)
	}
	p := &page{t: t, ws: ws, resps: map[int]chan msg{}, notes: make(chan msg, 256)}
	t.Cleanup(func() { ws.Close() })
	go func() {
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			var m msg
			json.Unmarshal(data, &m)
			if m.ID == nil {
				p.notes <- m
				continue
			}
			p.mu.Lock()
			ch := p.resps[*m.ID]
			p.mu.Unlock()
			ch <- m
		}
	}()
	return p
}

func (p *page) start(method string, params any) chan msg {
	p.mu.Lock()
	p.id++
	id := p.id
	ch := make(chan msg, 1)
	p.resps[id] = ch
	p.mu.Unlock()
	data, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	if err := p.ws.WriteMessage(websocket.TextMessage, data); err != nil {
		p.t.Fatal(err)
	}
	return ch
}

func (p *page) call(method string, params, out any) msg {
	p.t.Helper()
	select {
	case m := <-p.start(method, params):
		if m.Error == nil && out != nil {
			if err := json.Unmarshal(m.Result, out); err != nil {
				p.t.Fatal(err)
			}
		}
		return m
	case <-time.After(30 * time.Second):
		p.t.Fatalf("%s: no answer", method)
	}
	return msg{}
}

func (p *page) must(method string, params, out any) {
	p.t.Helper()
	if m := p.call(method, params, out); m.Error != nil {
		p.t.Fatalf("%s: %+v", method, m.Error)
	}
}

func (p *page) event(kind agent.TokenEventKind) {
	p.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case m := <-p.notes:
			var e agent.TokenEvent
			json.Unmarshal(m.Params, &e)
			if m.Method == "event" && e.Kind == kind {
				return
			}
		case <-deadline:
			p.t.Fatalf("no %s event", kind)
		}
	}
}

func verify(t *testing.T, certPEM string, sig, content []byte) error {
	dir := t.TempDir()
	s, c := filepath.Join(dir, "s.p7s"), filepath.Join(dir, "c")
	os.WriteFile(s, sig, 0o600)
	os.WriteFile(c, content, 0o600)
	_, errOut, err := osslref.Try(t, nil, "cms", "-verify", "-binary", "-inform", "DER", "-in", s, "-content", c,
		"-CAfile", certPEM, "-partial_chain", "-purpose", "any", "-out", "/dev/null")
	if err != nil {
		return &verifyError{string(errOut)}
	}
	return nil
}

type verifyError struct{ s string }

func (e *verifyError) Error() string { return e.s }

// The agent on real tokens: SoftHSM (ECDSA) and the GOST test token, over
// a real websocket. Signatures are checked by OpenSSL; a wrong PIN is asked
// again; the GOST token is pulled out in the middle of a batch and put back.
func TestAgentOnRealTokens(t *testing.T) {
	tk := provisionTokens(t)
	m := tk.open(t)
	for _, mod := range m.Modules() {
		if mod.Err != nil {
			t.Fatalf("module %s: %v", mod.Path, mod.Err)
		}
	}
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	pr := &prompter{pins: []string{"00000000", provision.UserPIN}}
	srv, err := agent.New(agent.Options{Config: agent.Config{Origins: []string{origin}}, Tokens: p11source.New(m), Prompter: pr, Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())

	p := openPage(t, ln.Addr().String())
	p.must("hello", map[string]any{"protocols": []int{1}}, nil)
	p.must("subscribe", nil, nil)
	var toks struct{ Tokens []agent.Token }
	p.must("tokens", nil, &toks)
	labels := []string{}
	for _, x := range toks.Tokens {
		labels = append(labels, x.Label)
	}
	if len(toks.Tokens) != 2 || !strings.Contains(strings.Join(labels, "|"), softToken) || !strings.Contains(strings.Join(labels, "|"), gostToken) {
		t.Fatalf("tokens %v", labels)
	}
	var certs struct {
		Certificates []struct {
			ID           string
			KeyAlgorithm string
		}
	}
	p.must("certificates", map[string]any{}, &certs)
	gostID, ecdsaID := pkcs11.CertificateID(tk.gost.CertDER), pkcs11.CertificateID(tk.ecdsa.CertDER)
	if len(certs.Certificates) != 2 {
		t.Fatalf("certificates %+v", certs)
	}
	found := map[string]bool{}
	for _, c := range certs.Certificates {
		found[c.ID] = true
	}
	if !found[gostID] || !found[ecdsaID] {
		t.Fatalf("certificates %+v, want %s and %s", certs, gostID, ecdsaID)
	}

	// GOST: a wrong PIN first, then the right one.
	doc := []byte("Заявление о создании организации")
	var r struct{ Signature []byte }
	p.must("sign", map[string]any{"certificate": gostID, "data": doc, "description": "Заявление"}, &r)
	if err := verify(t, tk.gost.CertPEM, r.Signature, doc); err != nil {
		t.Fatalf("GOST signature: %v", err)
	}
	asks := pr.asked()
	if len(asks) != 2 || asks[0].Retry || !asks[1].Retry || asks[0].Token.Label != gostToken {
		t.Fatalf("PIN prompts %+v", asks)
	}
	// A login challenge with the GOST key (logged in already: no PIN).
	nonce := []byte("nonce-0123456789-abcdef")
	var chal struct{ Signature, Content []byte }
	p.must("signChallenge", map[string]any{"certificate": gostID, "nonce": nonce}, &chal)
	if want := agent.ChallengeContent(origin, nonce); string(chal.Content) != string(want) {
		t.Fatalf("challenge content %q", chal.Content)
	}
	if err := verify(t, tk.gost.CertPEM, chal.Signature, agent.ChallengeContent(origin, nonce)); err != nil {
		t.Fatalf("challenge signature: %v", err)
	}
	if err := verify(t, tk.gost.CertPEM, chal.Signature, agent.ChallengeContent("https://evil.example", nonce)); err == nil {
		t.Fatal("the challenge signature verifies for another origin")
	}
	// ECDSA on SoftHSM.
	p.must("sign", map[string]any{"certificate": ecdsaID, "data": doc, "description": "Заявление"}, &r)
	if err := verify(t, tk.ecdsa.CertPEM, r.Signature, doc); err != nil {
		t.Fatalf("ECDSA signature: %v", err)
	}

	// The GOST token pulled out during a batch.
	tk.control(t, "one.sign_delay_ms = 100")
	docs := make([]map[string]any, 10)
	for i := range docs {
		docs[i] = map[string]any{"data": []byte{byte('0' + i)}}
	}
	ch := p.start("signBatch", map[string]any{"certificate": gostID, "documents": docs})
	for range 2 {
		for {
			n := <-p.notes
			if n.Method == "progress" {
				break
			}
		}
	}
	tk.control(t, "one.present = 0")
	var res msg
	select {
	case res = <-ch:
	case <-time.After(30 * time.Second):
		t.Fatal("batch did not end")
	}
	var br struct {
		Results []struct {
			Signature []byte
			Error     *struct{ Data struct{ Reason string } }
		}
	}
	if res.Error != nil {
		t.Fatalf("batch: %+v", res.Error)
	}
	json.Unmarshal(res.Result, &br)
	signed, removed := 0, 0
	for i, x := range br.Results {
		switch {
		case x.Error == nil:
			if err := verify(t, tk.gost.CertPEM, x.Signature, []byte{byte('0' + i)}); err != nil {
				t.Fatalf("batch document %d: %v", i, err)
			}
			signed++
		case x.Error.Data.Reason == "token_not_found":
			removed++
		default:
			t.Fatalf("document %d: %s", i, x.Error.Data.Reason)
		}
	}
	if signed < 2 || removed < 1 || signed+removed != 10 {
		t.Fatalf("signed %d, removed %d", signed, removed)
	}
	p.event(agent.TokenRemoved)
	if m := p.call("sign", map[string]any{"certificate": gostID, "data": doc}, nil); m.Error == nil ||
		(m.Error.Data.Reason != "certificate_not_found" && m.Error.Data.Reason != "token_not_found") {
		t.Fatalf("sign without the token: %+v", m.Error)
	}
	// Put back: signing works again after a new login.
	tk.control(t, "one.present = 1\none.sign_delay_ms = 0")
	p.event(agent.TokenInserted)
	p.must("sign", map[string]any{"certificate": gostID, "data": doc}, &r)
	if err := verify(t, tk.gost.CertPEM, r.Signature, doc); err != nil {
		t.Fatalf("after reinsertion: %v", err)
	}
	// Wrong and right for the GOST token, once for SoftHSM, once after
	// the reinsertion.
	asks = pr.asked()
	if len(asks) != 4 || asks[2].Token.Label != softToken || asks[3].Token.Label != gostToken || asks[3].Retry {
		t.Fatalf("PIN prompts %+v", asks)
	}
}

// Many requests sign with one certificate at once on real tokens, the
// token not logged in: the PIN is asked once, by one of them, and every
// signature is made (the ECDSA ones are verified); the signatures that
// need no login run beside each other. After a logout the same holds
// again.
func TestConcurrentSignaturesAskThePINOnce(t *testing.T) {
	tk := provisionTokens(t)
	m := tk.open(t)
	src := p11source.New(m)
	for _, c := range []struct {
		name string
		der  []byte
		opts crypto.SignerOpts
	}{{"ECDSA on SoftHSM", tk.ecdsa.CertDER, crypto.SHA256}, {"GOST on the test token", tk.gost.CertDER, nil}} {
		t.Run(c.name, func(t *testing.T) {
			id := pkcs11.CertificateID(c.der)
			for round := range 2 {
				var mu sync.Mutex
				asked := map[int]int{}
				var wg sync.WaitGroup
				errs := make(chan error, 12)
				for r := range 12 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						key, err := src.OpenKey(context.Background(), id, func(context.Context, agent.Token) (*agent.PIN, error) {
							mu.Lock()
							asked[r]++
							mu.Unlock()
							return agent.NewPIN([]byte(provision.UserPIN)), nil
						})
						if err != nil {
							errs <- err
							return
						}
						defer key.Close()
						msg := []byte{byte(r), byte(round)}
						sig, err := key.(crypto.MessageSigner).SignMessage(nil, msg, c.opts)
						if err != nil {
							errs <- err
							return
						}
						if pub, ok := key.Public().(*ecdsa.PublicKey); ok {
							h := sha256.Sum256(msg)
							if !ecdsa.VerifyASN1(pub, h[:], sig) {
								errs <- fmt.Errorf("request %d: the ECDSA signature does not verify", r)
							}
						} else if len(sig) != 64 {
							errs <- fmt.Errorf("request %d: a GOST-256 signature of %d bytes", r, len(sig))
						}
					}()
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Fatalf("round %d: %v", round, err)
				}
				total := 0
				for _, n := range asked {
					total += n
				}
				if total != 1 {
					t.Fatalf("round %d: the PIN was asked %d times (%v), want once", round, total, asked)
				}
				certs, err := m.Certificates()
				if err != nil {
					t.Fatal(err)
				}
				for _, ci := range certs {
					if ci.ID == id {
						m.Logout(ci.Token.ID)
					}
				}
			}
		})
	}
}

// A token whose certificates are private objects is listed to pages with
// certificatesAfterLogin, and its certificates are not: a page's
// certificates call never logs in, so no PIN is asked.
func TestTokenWithCertificatesAfterLogin(t *testing.T) {
	tk := provisionTokens(t)
	tk.control(t, "one.certificates = after_login")
	m := tk.open(t)
	pr := &prompter{pins: []string{provision.UserPIN}}
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	srv, err := agent.New(agent.Options{Config: agent.Config{Origins: []string{origin}}, Tokens: p11source.New(m), Prompter: pr, Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	p := openPage(t, ln.Addr().String())
	p.must("hello", map[string]any{"protocols": []int{1}}, nil)
	var toks struct{ Tokens []agent.Token }
	p.must("tokens", nil, &toks)
	for _, x := range toks.Tokens {
		if want := x.Label == gostToken; x.CertificatesAfterLogin != want {
			t.Errorf("token %q: certificatesAfterLogin %v, want %v", x.Label, x.CertificatesAfterLogin, want)
		}
	}
	var certs struct{ Certificates []struct{ ID string } }
	p.must("certificates", map[string]any{}, &certs)
	if len(certs.Certificates) != 1 || certs.Certificates[0].ID != pkcs11.CertificateID(tk.ecdsa.CertDER) {
		t.Fatalf("certificates %+v, want the SoftHSM one only", certs)
	}
	if n := len(pr.asked()); n != 0 {
		t.Fatalf("a page's listing asked for the PIN %d times", n)
	}
}
