package prompter

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/journal"
	"github.com/zavera/zavera/agent/softtoken"
	"github.com/zavera/zavera/cert"
)

// slowSource is a software token whose signatures take a while, as a
// USB token's do, so that the user has time to cancel.
type slowSource struct {
	*softtoken.Source
	delay time.Duration
}

func (s slowSource) OpenKey(ctx context.Context, id string, pin agent.PINFunc) (agent.Key, error) {
	k, err := s.Source.OpenKey(ctx, id, pin)
	if err != nil {
		return nil, err
	}
	return slowKey{k, s.delay}, nil
}

type slowKey struct {
	agent.Key
	delay time.Duration
}

func (k slowKey) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	time.Sleep(k.delay)
	return k.Key.Sign(r, digest, opts)
}

func ecdsaSource(t *testing.T) *softtoken.Source {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(5), Subject: pkix.Name{CommonName: "Петрова Анна"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cert.Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	s, err := softtoken.New(k, c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The whole way: a page's batch, confirmed in the signing window, is
// stopped by Cancel in the progress window; the documents signed before
// keep their signatures and the rest fail as cancelled.
func TestBatchCancelledInTheWindow(t *testing.T) {
	p, u := newWindowPrompter(t, Options{ProgressLinger: 100 * time.Millisecond})
	src := ecdsaSource(t)
	dir := t.TempDir()
	j, err := journal.Open(filepath.Join(dir, "journal.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	appr, err := agent.OpenApprovals(filepath.Join(dir, "approvals.json"))
	if err != nil {
		t.Fatal(err)
	}
	const origin = "https://portal.example"
	srv, err := agent.New(agent.Options{Config: agent.Config{Origins: []string{origin}}, Tokens: slowSource{src, 100 * time.Millisecond},
		Prompter: p, Journal: j, Approvals: appr, Log: slog.New(slog.DiscardHandler), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+ln.Addr().String()+"/", http.Header{"Origin": {origin}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(3 * time.Minute))
	call := func(id int, method string, params any) json.RawMessage {
		t.Helper()
		if err := ws.WriteJSON(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params}); err != nil {
			t.Fatal(err)
		}
		for {
			var m struct {
				ID     *int
				Result json.RawMessage
				Error  json.RawMessage
			}
			if err := ws.ReadJSON(&m); err != nil {
				t.Fatal(err)
			}
			if m.ID == nil || *m.ID != id {
				continue // a notification
			}
			if m.Error != nil {
				t.Fatalf("%s: %s", method, m.Error)
			}
			return m.Result
		}
	}
	call(1, "hello", map[string]any{"protocols": []int{agent.ProtocolVersion}})

	// Enough documents (a minute of signing) that a progress window slow
	// to start on a busy machine, or under Wine, still cancels the batch
	// long before its end; an undisturbed run cancels within a second.
	const n = 600
	docs := make([]map[string]any, n)
	for i := range docs {
		docs[i] = map[string]any{"data": []byte{byte(i)}, "name": "report.xml"}
	}
	u.will(t, "approve")
	u.will(t, "cancel-at:3")
	raw := call(2, "signBatch", map[string]any{"certificate": src.Certificate().ID, "description": "Отчёты", "documents": docs})
	var r struct {
		Results []struct {
			Signature []byte
			Error     *struct {
				Data struct{ Reason string }
			}
		}
	}
	if err := json.Unmarshal(raw, &r); err != nil || len(r.Results) != n {
		t.Fatalf("results: %v %s", err, raw)
	}
	signed := 0
	for i, res := range r.Results {
		switch {
		case res.Error == nil && signed == i:
			signed++
		case res.Error != nil && res.Error.Data.Reason == agent.CodeCancelled.Reason() && len(res.Signature) == 0:
		default:
			t.Fatalf("document %d (after %d signed): %+v", i, signed, res)
		}
	}
	if signed < 3 || signed == n {
		t.Fatalf("%d of %d signed after Cancel at 3", signed, n)
	}
	t.Logf("%d of %d signed before the cancel took effect", signed, n)
	u.saw(t, "finished: true")
}
