package portal

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/journal"
	"github.com/zavera/zavera/agent/softtoken"
	"github.com/zavera/zavera/cms"
)

// yesPrompter is a user who confirms whatever is asked, as a user shown a
// harmless description would.
type yesPrompter struct{}

func (yesPrompter) ApproveOrigin(context.Context, agent.OriginRequest) error   { return nil }
func (yesPrompter) ConfirmSigning(context.Context, agent.SigningRequest) error { return nil }
func (yesPrompter) PIN(context.Context, agent.PINRequest) (*agent.PIN, error)  { return nil, nil }
func (yesPrompter) Notify(agent.Notice)                                        {}

// startAgent runs a real agent on a loopback port with h's key as a
// software token, the given origins approved, and returns its address.
func startAgent(t *testing.T, h *holder, origins ...string) string {
	t.Helper()
	dir := t.TempDir()
	src, err := softtoken.New(h.key, h.cert)
	if err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(filepath.Join(dir, "journal.log"))
	if err != nil {
		t.Fatal(err)
	}
	var dev []string
	for _, o := range origins {
		if strings.HasPrefix(o, "http://") {
			dev = append(dev, o)
		}
	}
	srv, err := agent.New(agent.Options{
		Config: agent.Config{Origins: origins, DevOrigins: dev}, Tokens: src, Prompter: yesPrompter{}, Journal: j, Version: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
		j.Close()
	})
	return ln.Addr().String()
}

// page is a web page of one origin talking to the agent.
type page struct {
	t  *testing.T
	ws *websocket.Conn
	id int
}

func openPage(t *testing.T, addr, origin string) *page {
	t.Helper()
	ws, _, err := (&websocket.Dialer{HandshakeTimeout: 5 * time.Second}).Dial("ws://"+addr+"/", http.Header{"Origin": {origin}})
	if err != nil {
		t.Fatalf("%s: %v", origin, err)
	}
	t.Cleanup(func() { ws.Close() })
	p := &page{t: t, ws: ws}
	if _, reason := p.call("hello", map[string]any{"protocols": []int{1}}); reason != "" {
		t.Fatalf("hello: %s", reason)
	}
	return p
}

// call sends a request and returns the result or the error's reason.
func (p *page) call(method string, params any) (json.RawMessage, string) {
	p.t.Helper()
	p.id++
	if err := p.ws.WriteJSON(map[string]any{"jsonrpc": "2.0", "id": p.id, "method": method, "params": params}); err != nil {
		p.t.Fatal(err)
	}
	p.ws.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		var m struct {
			ID     int
			Method string
			Result json.RawMessage
			Error  *struct{ Data struct{ Reason string } }
		}
		if err := p.ws.ReadJSON(&m); err != nil {
			p.t.Fatalf("%s: %v", method, err)
		}
		if m.Method != "" || m.ID != p.id {
			continue // a notification
		}
		if m.Error != nil {
			return nil, m.Error.Data.Reason
		}
		return m.Result, ""
	}
}

// The attack on the demo portal: a site the user approved fetches a login
// nonce from the portal and has the agent sign the portal's login content
// with sign (its hash, or the bytes themselves) under a harmless
// description. The portal refuses whatever comes of it; signChallenge on
// the portal's own page logs in.
func TestLoginNotForgedThroughSign(t *testing.T) {
	p := newPeople(t)
	s := newSite(t, p.ca)
	const evil = "https://shop.example"
	addr := startAgent(t, p.leader, evil, s.origin)
	attacker := openPage(t, addr, evil)
	id := certID(t, attacker)

	// nonce fetches a login nonce as the attacker's server can.
	nonce := func() (string, []byte) {
		var ch struct{ Nonce string }
		if code := s.postJSON(newClient(t), "/api/login/challenge", map[string]any{}, &ch); code != http.StatusOK {
			t.Fatalf("challenge: %d", code)
		}
		n, err := base64.StdEncoding.DecodeString(ch.Nonce)
		if err != nil {
			t.Fatal(err)
		}
		return ch.Nonce, n
	}
	tryLogin := func(key string, sig []byte) (int, string) {
		var out struct{ Error string }
		code := s.postJSON(newClient(t), "/api/login", map[string]any{"nonce": key, "origin": s.origin, "signature": sig}, &out)
		return code, out.Error
	}

	t.Run("sign over the hash of the login content", func(t *testing.T) {
		key, n := nonce()
		h, err := cms.NewHash(p.leader.cert.PublicKey, 0)
		if err != nil {
			t.Fatal(err)
		}
		h.Write(agent.ChallengeContent(s.origin, n))
		res, reason := attacker.call("sign", map[string]any{"certificate": id, "description": "Подтверждение заказа", "hash": h.Sum(nil)})
		if reason != "" {
			t.Fatalf("sign over a hash: %s", reason)
		}
		var r struct{ Signature []byte }
		json.Unmarshal(res, &r)
		if code, msg := tryLogin(key, r.Signature); code != http.StatusForbidden || !strings.Contains(msg, "не подпись входа") {
			t.Fatalf("login with a document signature over the hash: %d %q", code, msg)
		}
	})
	t.Run("sign over the login content", func(t *testing.T) {
		key, n := nonce()
		res, reason := attacker.call("sign", map[string]any{"certificate": id, "description": "Подтверждение заказа", "data": agent.ChallengeContent(s.origin, n)})
		if reason != "bad_request" {
			t.Fatalf("sign over the login content: %q, want bad_request", reason)
		}
		var r struct{ Signature []byte }
		json.Unmarshal(res, &r)
		if code, _ := tryLogin(key, r.Signature); code != http.StatusForbidden {
			t.Fatalf("login with what sign returned: %d", code)
		}
	})
	t.Run("signBatch over the login content", func(t *testing.T) {
		_, n := nonce()
		docs := []map[string]any{{"data": agent.ChallengeContent(s.origin, n), "name": "чек.txt"}}
		if _, reason := attacker.call("signBatch", map[string]any{"certificate": id, "description": "Чеки", "documents": docs}); reason != "bad_request" {
			t.Fatalf("signBatch over the login content: %q, want bad_request", reason)
		}
	})
	t.Run("signChallenge from another site", func(t *testing.T) {
		key, n := nonce()
		res, reason := attacker.call("signChallenge", map[string]any{"certificate": id, "nonce": n})
		if reason != "" {
			t.Fatalf("signChallenge: %s", reason)
		}
		var r struct{ Signature []byte }
		json.Unmarshal(res, &r)
		if code, msg := tryLogin(key, r.Signature); code != http.StatusForbidden || !strings.Contains(msg, "другим документом") {
			t.Fatalf("login with a challenge signed for %s: %d %q", evil, code, msg)
		}
	})
	t.Run("signChallenge from the portal's page", func(t *testing.T) {
		own := openPage(t, addr, s.origin)
		key, n := nonce()
		res, reason := own.call("signChallenge", map[string]any{"certificate": id, "nonce": n})
		if reason != "" {
			t.Fatalf("signChallenge: %s", reason)
		}
		var r struct{ Signature []byte }
		json.Unmarshal(res, &r)
		if code, msg := tryLogin(key, r.Signature); code != http.StatusOK {
			t.Fatalf("login: %d %q", code, msg)
		}
	})
}

// certID returns the ID of the agent's one certificate.
func certID(t *testing.T, p *page) string {
	t.Helper()
	res, reason := p.call("certificates", map[string]any{})
	if reason != "" {
		t.Fatalf("certificates: %s", reason)
	}
	var r struct {
		Certificates []struct{ ID string }
	}
	if err := json.Unmarshal(res, &r); err != nil || len(r.Certificates) != 1 {
		t.Fatalf("certificates %s: %v", res, err)
	}
	return r.Certificates[0].ID
}
