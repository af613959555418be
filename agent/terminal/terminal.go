// Package terminal is a Prompter on a text terminal, for `zavera serve
// --headless`: origin approvals, signing confirmations and PINs are asked
// on the controlling terminal (/dev/tty), never on the websocket.
//
// # Rules
//
// Prompts are shown one at a time, in the order asked; a prompt whose
// context ends (timeout, page gone) is abandoned with a note and the next
// one is shown. Answers are read a byte at a time into buffers that are
// wiped after use, and the PIN is read with echo off when the input is a
// terminal. Text from pages has been cleaned of control characters by the
// agent before it reaches a prompt.
//
// # Concurrency
//
// A *Terminal is safe for concurrent use. One goroutine reads the input
// for the life of the Terminal.
package terminal

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/cert"
)

// maxLine bounds an answer; longer input is cut.
const maxLine = 256

// Terminal asks on a terminal.
type Terminal struct {
	out   io.Writer
	tty   *os.File // for stty; nil when the input is not a terminal
	lines chan []byte
	turn  chan struct{} // one prompt at a time
	mu    sync.Mutex    // serialises writes
	now   func() time.Time
}

// Open opens the controlling terminal.
func Open() (*Terminal, error) {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("terminal: no controlling terminal: %w", err)
	}
	t := New(f, f)
	t.tty = f
	return t, nil
}

// New asks on out and reads answers from in.
func New(in io.Reader, out io.Writer) *Terminal {
	t := &Terminal{out: out, lines: make(chan []byte), turn: make(chan struct{}, 1), now: time.Now}
	go t.readLines(in)
	return t
}

// readLines reads lines a byte at a time, so that no copy of a PIN stays
// in a read buffer, and hands each to the prompt waiting for it.
func (t *Terminal) readLines(in io.Reader) {
	var b [1]byte
	line := make([]byte, 0, maxLine)
	for {
		n, err := in.Read(b[:])
		if n == 1 {
			switch {
			case b[0] == '\n':
				out := make([]byte, len(line))
				copy(out, line)
				wipe(line)
				line = line[:0]
				t.lines <- out
			case b[0] == '\r':
			case len(line) < maxLine:
				line = append(line, b[0])
			}
			b[0] = 0
		}
		if err != nil {
			wipe(line)
			close(t.lines)
			return
		}
	}
}

func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}

// ask shows text and waits for a line. The caller wipes the line.
func (t *Terminal) ask(ctx context.Context, text string, secret bool) ([]byte, error) {
	select {
	case t.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-t.turn }()
	// Drop lines typed before the question.
	for {
		select {
		case l, ok := <-t.lines:
			if !ok {
				return nil, fmt.Errorf("%w: input closed", agent.ErrCancelled)
			}
			wipe(l)
			continue
		default:
		}
		break
	}
	// Echo goes off before the question shows, so that nothing typed
	// after it can be echoed.
	if secret && t.tty != nil {
		t.stty("-echo")
		defer func() {
			t.stty("echo")
			t.print("\n")
		}()
	}
	t.print(text)
	select {
	case l, ok := <-t.lines:
		if !ok {
			return nil, fmt.Errorf("%w: input closed", agent.ErrCancelled)
		}
		return l, nil
	case <-ctx.Done():
		t.print("\n(no answer in time: cancelled)\n")
		return nil, ctx.Err()
	}
}

func (t *Terminal) stty(arg string) {
	cmd := exec.Command("stty", arg)
	cmd.Stdin = t.tty
	cmd.Run()
}

func (t *Terminal) print(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	io.WriteString(t.out, s)
}

// yes asks a yes/no question; only "y" or "yes" approves.
func (t *Terminal) yes(ctx context.Context, text string) error {
	l, err := t.ask(ctx, text+"[y/N] ", false)
	if err != nil {
		return err
	}
	ans := strings.ToLower(strings.TrimSpace(string(l)))
	wipe(l)
	if ans == "y" || ans == "yes" || ans == "д" || ans == "да" {
		return nil
	}
	return fmt.Errorf("%w: declined", agent.ErrCancelled)
}

// ApproveOrigin implements agent.Prompter.
func (t *Terminal) ApproveOrigin(ctx context.Context, r agent.OriginRequest) error {
	return t.yes(ctx, fmt.Sprintf("\n== Zavera: a new site asks to use your signing tokens ==\n"+
		"  Site:         %s\n  Pairing code: %s  (the page must show the same code)\n"+
		"Allow this site? ", r.Origin, r.PairingCode))
}

// ConfirmSigning implements agent.Prompter.
func (t *Terminal) ConfirmSigning(ctx context.Context, r agent.SigningRequest) error {
	var b strings.Builder
	switch r.Kind {
	case agent.SignBatch:
		fmt.Fprintf(&b, "\n== Zavera: %s asks to sign %d documents ==\n", r.Origin, r.Count)
	case agent.SignChallenge:
		fmt.Fprintf(&b, "\n== Zavera: %s asks you to log in with your certificate ==\n", r.Origin)
	default:
		fmt.Fprintf(&b, "\n== Zavera: %s asks to sign ==\n", r.Origin)
	}
	if r.Description != "" {
		fmt.Fprintf(&b, "  What:        %s\n", r.Description)
	}
	for i, f := range r.Files {
		if i == 10 && len(r.Files) > 11 {
			fmt.Fprintf(&b, "               ... and %d more\n", len(r.Files)-10)
			break
		}
		label := "  Files:       "
		if i > 0 {
			label = "               "
		}
		fmt.Fprintf(&b, "%s%s (%s)\n", label, f.Name, size(f.Size))
	}
	fmt.Fprintf(&b, "  Certificate: %s\n", describe(r.Certificate, t.now()))
	b.WriteString("Sign? ")
	return t.yes(ctx, b.String())
}

// PIN implements agent.Prompter.
func (t *Terminal) PIN(ctx context.Context, r agent.PINRequest) (*agent.PIN, error) {
	var b strings.Builder
	if r.Retry {
		if r.TriesLeft >= 0 {
			fmt.Fprintf(&b, "Wrong PIN: %d tries left before the token locks.\n", r.TriesLeft)
		} else {
			b.WriteString("Wrong PIN.\n")
		}
	}
	fmt.Fprintf(&b, "PIN for token %q (empty to cancel): ", r.Token.Label)
	l, err := t.ask(ctx, b.String(), true)
	if err != nil {
		return nil, err
	}
	defer wipe(l)
	if len(l) == 0 {
		return nil, fmt.Errorf("%w: no PIN", agent.ErrCancelled)
	}
	return agent.NewPIN(l), nil
}

// Notify implements agent.Prompter.
func (t *Terminal) Notify(n agent.Notice) {
	if n.Origin != "" {
		t.print(fmt.Sprintf("\nZavera (%s): %s\n", n.Origin, n.Message))
		return
	}
	t.print("\nZavera: " + n.Message + "\n")
}

// describe names a certificate the way a user recognises it.
func describe(c *cert.Certificate, now time.Time) string {
	if c == nil {
		return "(unknown)"
	}
	s := c.Subject
	parts := []string{s.CommonName}
	if s.Title != "" {
		parts = append(parts, s.Title)
	}
	if s.Organization != "" {
		parts = append(parts, s.Organization)
	}
	if inn := s.OrganizationINN(); inn != "" {
		parts = append(parts, "INN "+inn)
	} else if inn := s.PersonINN(); inn != "" {
		parts = append(parts, "INN "+inn)
	}
	d := strings.Join(parts, ", ")
	d += fmt.Sprintf("; %s; valid until %s", c.KeyString(), c.NotAfter.Format("2006-01-02"))
	if err := c.ValidAt(now); err != nil {
		d += " (NOT VALID NOW)"
	}
	return d
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}

var _ agent.Prompter = (*Terminal)(nil)
