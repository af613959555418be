package terminal

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/cert"
)

// screen is a thread-safe output buffer.
type screen struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor waits until the screen shows text, then types answer.
func typeAfter(t *testing.T, s *screen, w io.Writer, text, answer string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(s.String(), text) {
		if time.Now().After(deadline) {
			t.Errorf("screen never showed %q:\n%s", text, s.String())
			return
		}
		time.Sleep(time.Millisecond)
	}
	io.WriteString(w, answer)
}

func TestPrompts(t *testing.T) {
	in, w := io.Pipe()
	defer w.Close()
	s := &screen{}
	term := New(in, s)
	ctx := context.Background()

	go typeAfter(t, s, w, "Allow this site?", "y\n")
	if err := term.ApproveOrigin(ctx, agent.OriginRequest{Origin: "https://portal.example", PairingCode: "123-456"}); err != nil {
		t.Fatalf("approve: %v", err)
	}
	if !strings.Contains(s.String(), "https://portal.example") || !strings.Contains(s.String(), "123-456") {
		t.Fatalf("screen:\n%s", s)
	}

	c := &cert.Certificate{Subject: cert.Name{CommonName: "Иванов Иван", Organization: "ООО Ромашка", INNLE: "7707083893"},
		NotAfter: time.Now().Add(time.Hour), NotBefore: time.Now().Add(-time.Hour)}
	req := agent.SigningRequest{Kind: agent.SignBatch, Origin: "https://portal.example", Description: "Отчёты",
		Files: []agent.FileInfo{{Name: "a.xml", Size: 2048, Hash: strings.Repeat("a1", 32), HashAlg: "Streebog-256"},
			{Name: "b.pdf", Size: 5 << 20, Pages: 3, Hash: strings.Repeat("b2", 32), HashAlg: "Streebog-256"}}, Certificate: c, Count: 2}
	go typeAfter(t, s, w, "Sign these 2 documents?", "no\n")
	if err := term.ConfirmSigning(ctx, req); !errors.Is(err, agent.ErrCancelled) {
		t.Fatalf("declined: %v", err)
	}
	for _, want := range []string{"sign 2 documents", "Отчёты", "a.xml (2.0 KB)", "b.pdf (5.0 MB, 3 pages)",
		"Streebog-256 " + strings.Repeat("a1", 32), "Streebog-256 " + strings.Repeat("b2", 32),
		"Иванов Иван, ООО Ромашка, INN 7707083893", "Site:        https://portal.example\nSign these"} {
		if !strings.Contains(s.String(), want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}

	go typeAfter(t, s, w, "3 tries left", "4321\n")
	pin, err := term.PIN(ctx, agent.PINRequest{Token: agent.Token{Label: "Rutoken"}, Retry: true, TriesLeft: 3})
	if err != nil || string(pin.Bytes()) != "4321" {
		t.Fatalf("PIN: %v", err)
	}
	pin.Wipe()
	if strings.Contains(s.String(), "4321") {
		t.Fatal("PIN shown on screen")
	}

	go typeAfter(t, s, w, "PIN for token \"T2\"", "\n")
	if _, err := term.PIN(ctx, agent.PINRequest{Token: agent.Token{Label: "T2"}}); !errors.Is(err, agent.ErrCancelled) {
		t.Fatalf("empty PIN: %v", err)
	}

	// A prompt nobody answers ends with its context.
	tctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := term.ApproveOrigin(tctx, agent.OriginRequest{Origin: "https://x.example", PairingCode: "000-000"}); err == nil {
		t.Fatal("unanswered prompt approved")
	}
	// Input typed before a question does not answer it.
	io.WriteString(w, "y\n")
	time.Sleep(20 * time.Millisecond)
	tctx2, cancel2 := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel2()
	if err := term.ApproveOrigin(tctx2, agent.OriginRequest{Origin: "https://y.example", PairingCode: "000-001"}); err == nil {
		t.Fatal("a stale answer approved a prompt")
	}
	term.Notify(agent.Notice{Origin: "https://portal.example", Message: "PIN locked"})
	if !strings.Contains(s.String(), "PIN locked") {
		t.Fatal("notice not shown")
	}
}

func TestInputClosed(t *testing.T) {
	term := New(strings.NewReader(""), io.Discard)
	if err := term.ApproveOrigin(context.Background(), agent.OriginRequest{}); !errors.Is(err, agent.ErrCancelled) {
		t.Fatalf("closed input: %v", err)
	}
}
