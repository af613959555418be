package keysource_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/journal"
	"github.com/zavera/zavera/agent/keysource"
	"github.com/zavera/zavera/agent/multisource"
	"github.com/zavera/zavera/internal/osslref"
)

const origin = "https://portal.example"

// prompter approves everything and types passwords from a script.
type prompter struct {
	mu   sync.Mutex
	pins []string // in order; the last repeats
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

type rpcError struct {
	Code int
	Data struct{ Reason string }
}

// call sends one request over the page's websocket and waits for its
// answer.
func call(t *testing.T, ws *websocket.Conn, id int, method string, params, out any) *rpcError {
	t.Helper()
	data, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	if err := ws.WriteMessage(websocket.TextMessage, data); err != nil {
		t.Fatal(err)
	}
	ws.SetReadDeadline(time.Now().Add(60 * time.Second))
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		var m struct {
			ID     *int
			Result json.RawMessage
			Error  *rpcError
		}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		if m.ID == nil || *m.ID != id {
			continue // a notification
		}
		if m.Error == nil && out != nil {
			if err := json.Unmarshal(m.Result, out); err != nil {
				t.Fatal(err)
			}
		}
		return m.Error
	}
}

// TestAgentSignsWithContainer: a page signs through the agent with a
// CryptoPro container's key. The certificate is listed as a software key,
// the password is asked with the PIN prompt, and OpenSSL verifies the
// signature. A wrong password gives the PIN error code and no signature.
func TestAgentSignsWithContainer(t *testing.T) {
	m := makeContainer(t, "Петров", "секрет 2026", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:A")
	l := keysource.OpenList(filepath.Join(t.TempDir(), keysource.FileName))
	if _, err := l.Add(m.dir, ""); err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	pr := &prompter{pins: []string{"неверный", m.password}}
	srv, err := agent.New(agent.Options{Config: agent.Config{Origins: []string{origin}},
		Tokens: multisource.New(keysource.New(keysource.Options{List: l})), Prompter: pr, Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+ln.Addr().String()+"/", http.Header{"Origin": {origin}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if e := call(t, ws, 1, "hello", map[string]any{"protocols": []int{1}}, nil); e != nil {
		t.Fatalf("hello: %+v", e)
	}
	var list struct {
		Certificates []struct {
			ID          string
			SoftwareKey bool
			Certificate []byte
		}
	}
	if e := call(t, ws, 2, "certificates", map[string]any{}, &list); e != nil {
		t.Fatalf("certificates: %+v", e)
	}
	if len(list.Certificates) != 1 || !list.Certificates[0].SoftwareKey || string(list.Certificates[0].Certificate) != string(m.cert.Raw) {
		t.Fatalf("certificates: %+v", list)
	}
	var toks struct {
		Tokens []struct {
			ID, Label   string
			SoftwareKey bool
		}
	}
	if e := call(t, ws, 20, "tokens", nil, &toks); e != nil {
		t.Fatalf("tokens: %+v", e)
	}
	if len(toks.Tokens) != 1 || !toks.Tokens[0].SoftwareKey || toks.Tokens[0].Label != "Петров" {
		t.Fatalf("tokens: %+v", toks)
	}
	id := list.Certificates[0].ID
	doc := []byte("Договор поставки № 17\n")

	// The first password is wrong: the agent asks again, the second opens.
	var signed struct{ Signature []byte }
	if e := call(t, ws, 3, "sign", map[string]any{"certificate": id, "description": "Договор", "data": doc}, &signed); e != nil {
		t.Fatalf("sign: %+v", e)
	}
	if len(pr.asks) != 2 || pr.asks[0].Retry || !pr.asks[1].Retry || !pr.asks[0].Token.SoftwareKey {
		t.Errorf("password prompts: %+v", pr.asks)
	}
	dir := t.TempDir()
	sigFile, docFile := filepath.Join(dir, "d.sig"), filepath.Join(dir, "d.txt")
	os.WriteFile(sigFile, signed.Signature, 0o600)
	os.WriteFile(docFile, doc, 0o600)
	if _, errOut, err := osslref.Try(t, nil, "cms", "-verify", "-binary", "-inform", "DER", "-in", sigFile, "-content", docFile,
		"-CAfile", m.certPEM, "-partial_chain", "-purpose", "any", "-out", "/dev/null"); err != nil {
		t.Fatalf("OpenSSL refuses the signature: %v\n%s", err, errOut)
	}

	// Only wrong passwords: the PIN error, and nothing signed.
	pr.mu.Lock()
	pr.pins, pr.asks = []string{"1111"}, nil
	pr.mu.Unlock()
	var none struct{ Signature []byte }
	e := call(t, ws, 4, "sign", map[string]any{"certificate": id, "description": "Договор", "data": doc}, &none)
	if e == nil || e.Code != int(agent.CodePINIncorrect) || none.Signature != nil {
		t.Fatalf("wrong password: error %+v, signature %d bytes", e, len(none.Signature))
	}
	if len(pr.asks) == 0 {
		t.Error("no password was asked")
	}
}
