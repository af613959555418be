package prompter

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/ui/wire"
)

func docRequest(c *cert.Certificate) agent.SigningRequest {
	return agent.SigningRequest{Kind: agent.SignDocument, Origin: "https://portal.example", Description: "Заявление",
		Files: []agent.FileInfo{{Name: "a.xml", Size: 10}}, Certificate: c, Count: 1}
}

// The PIN typed in the signing window is handed to the token's request
// without a second window.
func TestPINFromSigningWindow(t *testing.T) {
	var shown []wire.Kind
	var mu sync.Mutex
	p, u := newWindowPrompter(t, Options{
		Token: func(*cert.Certificate) TokenInfo { return TokenInfo{Label: "Rutoken ECP"} },
		Shown: func(k wire.Kind, d time.Duration) {
			mu.Lock()
			shown = append(shown, k)
			mu.Unlock()
		},
	})
	c := testCert()
	ctx := context.Background()
	u.will(t, "pin:2468")
	if err := p.ConfirmSigning(ctx, docRequest(c)); err != nil {
		t.Fatal(err)
	}
	u.saw(t, "Token PIN (Rutoken ECP)")
	if !p.holding() {
		t.Fatal("PIN not held after the signing window")
	}
	// Another site's PIN request does not get it.
	u.will(t, "refuse")
	if _, err := p.PIN(ctx, agent.PINRequest{Origin: "https://evil.example", Token: agent.Token{Label: "Rutoken ECP"}, Certificate: c, TriesLeft: -1}); !errors.Is(err, agent.ErrCancelled) {
		t.Fatalf("another site: %v", err)
	}
	if p.holding() {
		t.Fatal("PIN still held after another site's prompt")
	}

	u.will(t, "pin:1357")
	if err := p.ConfirmSigning(ctx, docRequest(c)); err != nil {
		t.Fatal(err)
	}
	pin, err := p.PIN(ctx, agent.PINRequest{Origin: "https://portal.example", Token: agent.Token{Label: "Rutoken ECP"}, Certificate: c, TriesLeft: -1})
	if err != nil || string(pin.Bytes()) != "1357" {
		t.Fatalf("held PIN: %v %v", pin, err)
	}
	if p.holding() {
		t.Fatal("PIN held after it was handed over")
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []wire.Kind{wire.KindSign, wire.KindPIN, wire.KindSign}; len(shown) != len(want) {
		t.Fatalf("windows shown %v, want %v", shown, want)
	}
}

// A PIN the token never asks for is wiped, and the certificate's next
// confirmation has no PIN field.
func TestHeldPINExpires(t *testing.T) {
	p, u := newWindowPrompter(t, Options{HoldPIN: 50 * time.Millisecond})
	c := testCert()
	u.will(t, "pin:1111")
	if err := p.ConfirmSigning(context.Background(), docRequest(c)); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	held := p.held.pin
	p.mu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for p.holding() {
		if time.Now().After(deadline) {
			t.Fatal("PIN held past HoldPIN")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if held.Len() != 0 {
		t.Fatal("expired PIN not wiped")
	}
	os.WriteFile(u.screen, nil, 0o600)
	u.will(t, "approve")
	if err := p.ConfirmSigning(context.Background(), docRequest(c)); err != nil {
		t.Fatal(err)
	}
	u.saw(t, "a.xml")
	if b, _ := os.ReadFile(u.screen); strings.Contains(string(b), "Token PIN") {
		t.Fatalf("PIN field shown for a token that asked none:\n%s", b)
	}
}

func TestApproveOnce(t *testing.T) {
	var once []string
	p, u := newWindowPrompter(t, Options{ApprovedOnce: func(o string) { once = append(once, o) }})
	u.will(t, "once")
	if err := p.ApproveOrigin(context.Background(), agent.OriginRequest{Origin: "https://a.example", PairingCode: "1"}); err != nil {
		t.Fatal(err)
	}
	u.will(t, "approve")
	if err := p.ApproveOrigin(context.Background(), agent.OriginRequest{Origin: "https://b.example", PairingCode: "2"}); err != nil {
		t.Fatal(err)
	}
	if len(once) != 1 || once[0] != "https://a.example" {
		t.Fatalf("approved once: %v", once)
	}
}

func TestPaused(t *testing.T) {
	p, u := newWindowPrompter(t, Options{})
	p.SetPaused(true)
	u.will(t, "approve") // for the notice
	start := time.Now()
	if err := p.ConfirmSigning(context.Background(), docRequest(testCert())); !errors.Is(err, agent.ErrCancelled) {
		t.Fatalf("paused: %v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("paused prompter waited")
	}
	u.saw(t, "Signing is paused")
	p.SetPaused(false)
	u.will(t, "approve")
	if err := p.ConfirmSigning(context.Background(), docRequest(testCert())); err != nil {
		t.Fatalf("resumed: %v", err)
	}
}

func TestWindowFailures(t *testing.T) {
	p, u := newWindowPrompter(t, Options{})
	u.will(t, "crash")
	err := p.ApproveOrigin(context.Background(), agent.OriginRequest{Origin: "https://a.example", PairingCode: "1"})
	if !errors.Is(err, ErrWindow) || !errors.Is(err, agent.ErrCancelled) {
		t.Fatalf("crashed window: %v", err)
	}
	p2, err := New(Options{Command: func() *exec.Cmd { return exec.Command("/nonexistent/zavera-ui", "prompt") }})
	if err != nil {
		t.Fatal(err)
	}
	if err := p2.ApproveOrigin(context.Background(), agent.OriginRequest{Origin: "https://a.example", PairingCode: "1"}); !errors.Is(err, ErrWindow) {
		t.Fatalf("missing window program: %v", err)
	}
	if _, err := New(Options{}); err == nil {
		t.Fatal("no command accepted")
	}
}

// A window process that ignores its closed input is killed.
func TestStubbornWindowKilled(t *testing.T) {
	p, err := New(Options{KillAfter: 200 * time.Millisecond, Command: func() *exec.Cmd {
		return exec.Command("sh", "-c", "trap '' TERM; exec sleep 30 < /dev/null")
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := p.ApproveOrigin(ctx, agent.OriginRequest{Origin: "https://a.example", PairingCode: "1"}); err == nil {
		t.Fatal("approved")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("returned after %v", d)
	}
}

// A software key's windows ask for its password: in the signing window
// and in the window of a retry.
func TestSoftwareKeyAsksPassword(t *testing.T) {
	p, u := newWindowPrompter(t, Options{
		Token: func(*cert.Certificate) TokenInfo { return TokenInfo{Label: "srv", SoftwareKey: true} },
	})
	c := testCert()
	ctx := context.Background()
	u.will(t, "pin:секрет")
	if err := p.ConfirmSigning(ctx, docRequest(c)); err != nil {
		t.Fatal(err)
	}
	u.saw(t, "Key password (srv)")
	u.will(t, "pin:секрет2")
	pin, err := p.PIN(ctx, agent.PINRequest{Origin: "https://portal.example", Token: agent.Token{Label: "srv", SoftwareKey: true},
		Certificate: c, TriesLeft: -1, Retry: true})
	if err != nil || string(pin.Bytes()) != "секрет2" {
		t.Fatalf("retry: %v %v", pin, err)
	}
	u.saw(t, "Wrong password.")
}
