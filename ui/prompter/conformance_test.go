package prompter

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/terminal"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/ui/i18n"
)

// user plays the user's part for a prompter under test.
type user interface {
	// will arranges the answer to the next prompt: "approve", "refuse",
	// "pin:DIGITS" or "hang" (no answer).
	will(t *testing.T, action string)
	// saw waits until the prompts have shown text.
	saw(t *testing.T, text string)
}

func testCert() *cert.Certificate {
	return &cert.Certificate{Subject: cert.Name{CommonName: "Иванов Иван", Organization: "ООО Ромашка", INNLE: "7707083893"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour)}
}

// conformance is what every agent.Prompter must do, whatever it asks on.
func conformance(t *testing.T, p agent.Prompter, u user) {
	ctx := context.Background()
	origin := "https://portal.example"

	u.will(t, "approve")
	if err := p.ApproveOrigin(ctx, agent.OriginRequest{Origin: origin, PairingCode: "123-456"}); err != nil {
		t.Fatalf("approve: %v", err)
	}
	u.saw(t, origin)
	u.saw(t, "123-456")

	u.will(t, "refuse")
	if err := p.ApproveOrigin(ctx, agent.OriginRequest{Origin: "https://other.example", PairingCode: "999-000"}); !errors.Is(err, agent.ErrCancelled) {
		t.Fatalf("refused site: %v", err)
	}

	req := agent.SigningRequest{Kind: agent.SignBatch, Origin: origin, Description: "Отчёты за квартал",
		Files: []agent.FileInfo{{Name: "a.xml", Size: 2048}, {Name: "b.pdf", Size: 5 << 20}}, Certificate: testCert(), Count: 2}
	u.will(t, "refuse")
	if err := p.ConfirmSigning(ctx, req); !errors.Is(err, agent.ErrCancelled) {
		t.Fatalf("declined signing: %v", err)
	}
	for _, want := range []string{"sign 2 documents", "Отчёты за квартал", "a.xml", "2.0 KB", "b.pdf", "5.0 MB", "Иванов Иван", "ООО Ромашка", "7707083893"} {
		u.saw(t, want)
	}

	u.will(t, "approve")
	req.Kind, req.Files, req.Count = agent.SignDocument, req.Files[:1], 1
	if err := p.ConfirmSigning(ctx, req); err != nil {
		t.Fatalf("confirmed signing: %v", err)
	}

	u.will(t, "pin:4321")
	pin, err := p.PIN(ctx, agent.PINRequest{Origin: origin, Token: agent.Token{Label: "Rutoken"}, Certificate: testCert(), Retry: true, TriesLeft: 3})
	if err != nil || string(pin.Bytes()) != "4321" {
		t.Fatalf("PIN: %v %v", pin, err)
	}
	pin.Wipe()
	u.saw(t, "3 tries left")
	u.saw(t, "Rutoken")

	u.will(t, "refuse")
	if _, err := p.PIN(ctx, agent.PINRequest{Origin: origin, Token: agent.Token{Label: "Rutoken"}, Certificate: testCert(), TriesLeft: -1, Retry: true}); !errors.Is(err, agent.ErrCancelled) {
		t.Fatalf("PIN refused: %v", err)
	}

	// A prompt nobody answers ends with its context.
	u.will(t, "hang")
	tctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	start := time.Now()
	err = p.ApproveOrigin(tctx, agent.OriginRequest{Origin: "https://slow.example", PairingCode: "000-111"})
	cancel()
	if err == nil {
		t.Fatal("unanswered prompt approved")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("unanswered prompt returned after %v", d)
	}

	// Prompts asked together are all answered.
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	u.will(t, "approve")
	u.will(t, "approve")
	for _, o := range []string{"https://a.example", "https://b.example"} {
		wg.Go(func() { errs <- p.ApproveOrigin(ctx, agent.OriginRequest{Origin: o, PairingCode: "1"}) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent prompt: %v", err)
		}
	}

	u.will(t, "approve")
	p.Notify(agent.Notice{Origin: origin, Message: "The token's PIN is locked."})
	u.saw(t, "The token's PIN is locked.")
}

// terminalUser types answers into a terminal prompter.
type terminalUser struct {
	w      io.Writer
	s      *screen
	mu     sync.Mutex
	asked  int // questions answered or arranged so far
	queued chan string
}

type screen struct {
	mu sync.Mutex
	b  strings.Builder
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

func questions(s string) int {
	return strings.Count(s, "[y/N] ") + strings.Count(s, "(empty to cancel): ")
}

func (u *terminalUser) will(t *testing.T, action string) {
	u.mu.Lock()
	u.asked++
	n := u.asked
	u.mu.Unlock()
	go func() {
		deadline := time.Now().Add(10 * time.Second)
		for questions(u.s.String()) < n {
			if time.Now().After(deadline) {
				return
			}
			time.Sleep(time.Millisecond)
		}
		switch {
		case action == "approve":
			io.WriteString(u.w, "y\n")
		case action == "refuse":
			if strings.HasSuffix(u.s.String(), "(empty to cancel): ") {
				io.WriteString(u.w, "\n")
			} else {
				io.WriteString(u.w, "n\n")
			}
		case strings.HasPrefix(action, "pin:"):
			io.WriteString(u.w, strings.TrimPrefix(action, "pin:")+"\n")
		}
	}()
}

func (u *terminalUser) saw(t *testing.T, text string) {
	t.Helper()
	waitFor(t, u.s.String, text)
}

func waitFor(t *testing.T, read func() string, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(read(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("never shown: %q in\n%s", text, read())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestConformanceTerminal(t *testing.T) {
	in, w := io.Pipe()
	defer w.Close()
	s := &screen{}
	u := &terminalUser{w: w, s: s}
	conformance(t, terminal.New(in, s), u)
}

// windowUser answers in the real windows, run by the test binary.
type windowUser struct {
	mu      sync.Mutex
	actions []string
	screen  string
}

func (u *windowUser) will(t *testing.T, action string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.actions = append(u.actions, action)
}

func (u *windowUser) saw(t *testing.T, text string) {
	t.Helper()
	waitFor(t, func() string { b, _ := os.ReadFile(u.screen); return string(b) }, text)
}

// command starts the test binary as the window process with the next
// arranged action; with none arranged, it refuses.
func (u *windowUser) command() *exec.Cmd {
	u.mu.Lock()
	action := "refuse"
	if len(u.actions) > 0 {
		action, u.actions = u.actions[0], u.actions[1:]
	}
	u.mu.Unlock()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ZAVERA_UI_CHILD=1", "ZAVERA_UI_ACTION="+action, "ZAVERA_UI_SCREEN="+u.screen, "LANG=C.UTF-8")
	return cmd
}

func newWindowPrompter(t *testing.T, o Options) (*Prompter, *windowUser) {
	u := &windowUser{screen: filepath.Join(t.TempDir(), "screen.txt")}
	o.Command = u.command
	o.Lang = i18n.English
	o.KillAfter = time.Second
	if testing.Verbose() {
		o.Stderr = os.Stderr
	}
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return p, u
}

func TestConformanceWindows(t *testing.T) {
	p, u := newWindowPrompter(t, Options{})
	conformance(t, p, u)
}
