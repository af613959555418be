package prompter

import (
	"context"
	"errors"
	"fmt"
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
	w     io.Writer
	s     *screen
	mu    sync.Mutex
	asked int // questions answered or arranged so far
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
	n       int
	actions string // queue folder
	screen  string
	started int // window processes started
}

func (u *windowUser) will(t *testing.T, action string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.n++
	if err := os.WriteFile(filepath.Join(u.actions, fmt.Sprintf("%06d", u.n)), []byte(action), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (u *windowUser) saw(t *testing.T, text string) {
	t.Helper()
	waitFor(t, func() string { b, _ := os.ReadFile(u.screen); return string(b) }, text)
}

// command starts the test binary as a window process.
func (u *windowUser) command(spare bool) *exec.Cmd {
	u.mu.Lock()
	u.started++
	u.mu.Unlock()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ZAVERA_UI_CHILD=1", "ZAVERA_UI_ACTIONS="+u.actions, "ZAVERA_UI_SCREEN="+u.screen, "LANG=C.UTF-8")
	if spare {
		cmd.Env = append(cmd.Env, "ZAVERA_UI_SPARE=1")
	}
	return cmd
}

func newWindowPrompter(t *testing.T, o Options) (*Prompter, *windowUser) {
	dir := t.TempDir()
	u := &windowUser{screen: filepath.Join(dir, "screen.txt"), actions: filepath.Join(dir, "actions")}
	os.Mkdir(u.actions, 0o700)
	o.Command = func() *exec.Cmd { return u.command(false) }
	if o.SpareFor > 0 {
		o.Spare = func() *exec.Cmd { return u.command(true) }
	}
	o.Lang = i18n.English
	o.KillAfter = time.Second
	if testing.Verbose() {
		o.Stderr = os.Stderr
	}
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p, u
}

func TestConformanceWindows(t *testing.T) {
	p, u := newWindowPrompter(t, Options{})
	conformance(t, p, u)
}

// With spare window processes every prompt after the first is shown by
// the process started after the one before.
func TestConformanceSpareWindows(t *testing.T) {
	p, u := newWindowPrompter(t, Options{SpareFor: time.Minute})
	conformance(t, p, u)
	var spare *proc
	deadline := time.Now().Add(5 * time.Second)
	for spare == nil || !spare.alive() {
		if time.Now().After(deadline) {
			t.Fatal("no spare window process after the prompts")
		}
		time.Sleep(5 * time.Millisecond)
		p.mu.Lock()
		spare = p.spare
		p.mu.Unlock()
	}
	// Every prompt but the first was shown by a spare.
	u.mu.Lock()
	started := u.started
	u.mu.Unlock()
	if started != u.n+1 {
		t.Errorf("%d window processes for %d prompts, want one more than the prompts (the first cold, then spares)", started, u.n)
	}
	p.Close()
	select {
	case <-spare.exited:
	case <-time.After(5 * time.Second):
		t.Fatal("spare did not exit on Close")
	}
}

// A spare nobody needs exits after SpareFor.
func TestSpareExpires(t *testing.T) {
	p, u := newWindowPrompter(t, Options{SpareFor: 100 * time.Millisecond})
	u.will(t, "approve")
	if err := p.ApproveOrigin(context.Background(), agent.OriginRequest{Origin: "https://a.example", PairingCode: "1"}); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	spare := p.spare
	p.mu.Unlock()
	if spare == nil {
		t.Fatal("no spare started")
	}
	select {
	case <-spare.exited:
	case <-time.After(5 * time.Second):
		t.Fatal("spare still running after SpareFor")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.spare != nil {
		t.Fatal("expired spare still kept")
	}
}
