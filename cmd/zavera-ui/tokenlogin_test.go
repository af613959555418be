package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/journal"
	"github.com/zavera/zavera/agent/p11source"
	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/internal/pkcs11bench/provision"
	"github.com/zavera/zavera/pkcs11"
	"github.com/zavera/zavera/ui"
	"github.com/zavera/zavera/ui/i18n"
	"github.com/zavera/zavera/ui/mainlink"
)

const loginOrigin = "https://portal.example"

// pinWindow stands for Zavera's PIN window: it types the PINs given, in
// order, and counts the prompts.
type pinWindow struct {
	mu   sync.Mutex
	pins []string
	asks int
}

func (p *pinWindow) PIN(context.Context, agent.PINRequest) (*agent.PIN, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asks++
	pin := p.pins[0]
	p.pins = p.pins[1:]
	return agent.NewPIN([]byte(pin)), nil
}

func (p *pinWindow) ApproveOrigin(context.Context, agent.OriginRequest) error   { return nil }
func (p *pinWindow) ConfirmSigning(context.Context, agent.SigningRequest) error { return nil }
func (p *pinWindow) Notify(agent.Notice)                                        {}

// wsPage is a page of the portal over a real websocket.
type wsPage struct {
	t  *testing.T
	ws *websocket.Conn
	id int
}

func (p *wsPage) call(method string, params, out any) {
	p.t.Helper()
	p.id++
	data, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": p.id, "method": method, "params": params})
	if err := p.ws.WriteMessage(websocket.TextMessage, data); err != nil {
		p.t.Fatal(err)
	}
	for {
		p.ws.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, data, err := p.ws.ReadMessage()
		if err != nil {
			p.t.Fatalf("%s: %v", method, err)
		}
		var m struct {
			ID     *int
			Result json.RawMessage
			Error  json.RawMessage
		}
		json.Unmarshal(data, &m)
		if m.ID == nil || *m.ID != p.id {
			continue // an event
		}
		if m.Error != nil {
			p.t.Fatalf("%s: %s", method, m.Error)
		}
		if out != nil {
			if err := json.Unmarshal(m.Result, out); err != nil {
				p.t.Fatal(err)
			}
		}
		return
	}
}

func (p *wsPage) sees(certID string) bool {
	p.t.Helper()
	var r struct{ Certificates []struct{ ID string } }
	p.call("certificates", map[string]any{}, &r)
	for _, c := range r.Certificates {
		if c.ID == certID {
			return true
		}
	}
	return false
}

// The GOST test token keeps its certificates as private objects, loaded
// in a module host by the agent's token source. A page does not see the
// certificate; the main window, linked to the agent as the agent opens
// it, shows «Показать сертификаты»; pressed with a wrong PIN in the PIN
// window it says so and the certificate stays hidden; pressed again with
// the right PIN, the page sees the certificate, signs with it without a
// second PIN, and OpenSSL verifies the signature.
func TestShowCertificatesFromTheMainWindow(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	osslref.Require(t)
	dir := t.TempDir()
	module := filepath.Join(osslref.Root(t), "build", "libgosttoken.so")
	if _, err := os.Stat(module); err != nil {
		t.Fatalf("the GOST test token is not built (%v): run make testtoken", err)
	}
	t.Setenv("GOSTTOKEN_DIR", dir)
	if err := provision.GOSTTokenConfig(dir, 10, "one"); err != nil {
		t.Fatal(err)
	}
	if err := provision.InitTokens(module, "Zavera GOST"); err != nil {
		t.Fatal(err)
	}
	key, err := provision.GOST(module, "Zavera GOST", "g256", []byte("g1"), 256, "TCA", dir, osslref.Config(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "control"), []byte("one.certificates = after_login\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := pkcs11.Open(pkcs11.Options{Modules: []string{module}, NoDiscovery: true, NoEnvironment: true,
		Isolate: &pkcs11.Isolation{Command: []string{os.Args[0]}, Env: []string{hostEnvVar + "=1"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	src := p11source.New(m)
	pw := &pinWindow{pins: []string{"00000000", provision.UserPIN}}
	j, err := journal.Open(filepath.Join(dir, "journal.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	srv, err := agent.New(agent.Options{Config: agent.Config{Origins: []string{loginOrigin}}, Tokens: src, Prompter: pw, Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+ln.Addr().String()+"/", http.Header{"Origin": {loginOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	page := &wsPage{t: t, ws: ws}
	page.call("hello", map[string]any{"protocols": []int{1}}, nil)
	certID := pkcs11.CertificateID(key.CertDER)
	if page.sees(certID) {
		t.Fatal("the page sees the certificate before any login")
	}

	// The agent's end of the link and the window's, over real pipes.
	reqR, reqW := io.Pipe()
	repR, repW := io.Pipe()
	go mainlink.Serve(reqR, repW, &mainlink.AgentHandler{Source: src, LoginFunc: src.Login, PIN: pw.PIN})
	defer reqW.Close()
	approvals, err := agent.OpenApprovals(filepath.Join(dir, "approvals.json"))
	if err != nil {
		t.Fatal(err)
	}
	b := &linkedBackend{mainBackend: &mainBackend{cfg: agent.Config{StateDir: filepath.Join(dir, "state")}, approvals: approvals},
		link: mainlink.NewClient(repR, reqW)}
	toks, err := b.Tokens()
	if err != nil || len(toks) != 1 || !toks[0].CertificatesAfterLogin {
		t.Fatalf("window tokens %+v, %v", toks, err)
	}
	tokID := toks[0].ID

	a := test.NewTempApp(t)
	win := ui.ShowMain(a.NewWindow(""), i18n.Russian, b, time.Now())
	btn := win.LoginButton(tokID)
	if btn == nil {
		t.Fatal("no «Показать сертификаты» on the token")
	}
	test.Tap(btn)
	win.WaitLogins()
	if note := win.LoginNote(tokID); note != i18n.Russian.T(i18n.PINWrong) {
		t.Fatalf("after a wrong PIN the window says %q", note)
	}
	if page.sees(certID) {
		t.Fatal("the page sees the certificate after a wrong PIN")
	}
	btn = win.LoginButton(tokID)
	if btn == nil {
		t.Fatal("no «Показать сертификаты» after a wrong PIN")
	}
	test.Tap(btn)
	win.WaitLogins()
	if win.LoginButton(tokID) != nil || win.LoginNote(tokID) != "" {
		t.Fatalf("after the login the window still offers it (note %q)", win.LoginNote(tokID))
	}
	if toks, _ := b.Tokens(); len(toks) != 1 || len(toks[0].Certificates) != 1 {
		t.Fatalf("window tokens after login %+v", toks)
	}
	if !page.sees(certID) {
		t.Fatal("the page does not see the certificate after the login")
	}
	doc := []byte("Заявление, подписанное после входа на токен")
	var r struct{ Signature []byte }
	page.call("sign", map[string]any{"certificate": certID, "data": doc, "description": "Заявление"}, &r)
	sig, content := filepath.Join(dir, "s.p7s"), filepath.Join(dir, "doc")
	os.WriteFile(sig, r.Signature, 0o600)
	os.WriteFile(content, doc, 0o600)
	if _, errOut, err := osslref.Try(t, nil, "cms", "-verify", "-binary", "-inform", "DER", "-in", sig, "-content", content,
		"-CAfile", key.CertPEM, "-partial_chain", "-purpose", "any", "-out", "/dev/null"); err != nil {
		t.Fatalf("OpenSSL does not verify the signature: %v\n%s", err, errOut)
	}
	if pw.asks != 2 {
		t.Fatalf("the PIN window opened %d times, want 2 (the wrong PIN and the login)", pw.asks)
	}
}
