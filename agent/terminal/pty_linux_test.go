//go:build linux

package terminal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/internal/displaytext"
)

// pty is a pseudo-terminal: the Terminal under test uses the slave side,
// the test types on the master and reads what the terminal shows.
type pty struct {
	master, slave *os.File
	screen        *screen
}

// fdOf runs fn on f's descriptor without putting f in blocking mode.
func fdOf(t *testing.T, f *os.File, fn func(fd int) error) {
	t.Helper()
	rc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		t.Fatal(err)
	}
	if ferr != nil {
		t.Fatal(ferr)
	}
}

func openPTY(t *testing.T) *pty {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	var n int
	fdOf(t, m, func(fd int) error {
		if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
			return err
		}
		n, err = unix.IoctlGetInt(fd, unix.TIOCGPTN)
		return err
	})
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Fatal(err)
	}
	fdOf(t, s, func(fd int) error {
		return unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 80})
	})
	p := &pty{master: m, slave: s, screen: &screen{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := m.Read(buf)
			p.screen.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		s.Close()
		m.Close()
		<-done
	})
	return p
}

// waitScreen waits until the screen shows text count times.
func (p *pty) waitScreen(t *testing.T, text string, count int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(p.screen.String(), text) < count {
		if time.Now().After(deadline) {
			t.Fatalf("screen never showed %q %d times:\n%q", text, count, p.screen.String())
		}
		time.Sleep(time.Millisecond)
	}
}

func (p *pty) typ(t *testing.T, s string) {
	t.Helper()
	if _, err := p.master.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// echoOn reports whether the terminal echoes what is typed.
func (p *pty) echoOn(t *testing.T) bool {
	var on bool
	fdOf(t, p.slave, func(fd int) error {
		tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		if err == nil {
			on = tio.Lflag&unix.ECHO != 0
		}
		return err
	})
	return on
}

// A "y" typed into a prompt that the page then cancels does not answer
// the next prompt.
func TestTypeAheadDoesNotAnswerNextPrompt(t *testing.T) {
	p := openPTY(t)
	term := New(p.slave, p.slave)
	ctx1, cancel1 := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	go func() {
		errs <- term.ApproveOrigin(ctx1, agent.OriginRequest{Origin: "https://a.example", PairingCode: "111-111"})
	}()
	p.waitScreen(t, "Allow this site?", 1)
	p.typ(t, "y")
	p.waitScreen(t, "? [y/N] y", 1) // echoed: the terminal has it
	cancel1()
	if err := <-errs; err == nil {
		t.Fatal("a cancelled prompt approved")
	}

	ctx2, cancel2 := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel2()
	go func() {
		errs <- term.ApproveOrigin(ctx2, agent.OriginRequest{Origin: "https://b.example", PairingCode: "222-222"})
	}()
	p.waitScreen(t, "Allow this site?", 2)
	p.typ(t, "\r") // the user presses Enter at the new question
	if err := <-errs; !errors.Is(err, agent.ErrCancelled) || ctx2.Err() != nil {
		t.Fatalf("Enter after a cancelled \"y\": %v, want declined", err)
	}
}

// A PIN prompt cancelled while the user types it leaves nothing: no digit
// is echoed, echo comes back, and the next question reads none of it.
func TestCancelledPINLeavesNothing(t *testing.T) {
	p := openPTY(t)
	term := New(p.slave, p.slave)
	req := agent.PINRequest{Origin: "https://portal.example", Token: agent.Token{Label: "Rutoken"}}
	ctx1, cancel1 := context.WithCancel(context.Background())
	type answer struct {
		pin *agent.PIN
		err error
	}
	answers := make(chan answer, 1)
	go func() {
		pin, err := term.PIN(ctx1, req)
		answers <- answer{pin, err}
	}()
	p.waitScreen(t, "PIN for token", 1)
	if p.echoOn(t) {
		t.Error("echo is on while the PIN is asked")
	}
	p.typ(t, "1397")
	// Give the line discipline the keys before the page cancels; an echo
	// would show by then too.
	time.Sleep(200 * time.Millisecond)
	cancel1()
	if a := <-answers; a.err == nil {
		a.pin.Wipe()
		t.Fatal("a cancelled PIN prompt returned a PIN")
	}
	if !p.echoOn(t) {
		t.Fatal("echo not restored after a cancelled PIN prompt")
	}

	ctx2, cancel2 := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel2()
	go func() {
		pin, err := term.PIN(ctx2, req)
		answers <- answer{pin, err}
	}()
	p.waitScreen(t, "PIN for token", 2)
	p.typ(t, "2468\r")
	a := <-answers
	if a.err != nil {
		t.Fatalf("second PIN: %v", a.err)
	}
	if got := string(a.pin.Bytes()); got != "2468" {
		t.Fatalf("second PIN read as %q: keys of the cancelled prompt were left in the line", got)
	}
	a.pin.Wipe()
	if scr := p.screen.String(); strings.Contains(scr, "1397") || strings.Contains(scr, "2468") {
		t.Fatalf("PIN digits echoed:\n%q", scr)
	}
	if !p.echoOn(t) {
		t.Fatal("echo not restored after the PIN")
	}
}

// Whatever a page sends, the confirmation fits an 80×24 terminal with the
// origin last, just above the question; nothing the page wrote can draw
// escape sequences or a header of its own.
func TestHostileConfirmationKeepsOriginOnScreen(t *testing.T) {
	p := openPTY(t)
	term := New(p.slave, p.slave)
	fake := "\x1b[2J\x1b[H== Zavera: request to sign a document ==\n  Site:        https://bank.example\nSign? "
	desc := "Оплата\u202e\u2066\u200b\u200d\ufeff счёта" + fake + strings.Repeat("\n", 200) + "\x1b]0;https://bank.example\x07" +
		strings.Repeat("длинное описание ", 40) + "\u009b2J"
	c := &cert.Certificate{Subject: cert.Name{CommonName: "\x1b[2J\x1b[1;1HИванов\u202e Иван", Organization: "ООО\x1b]0;x\x07 Ромашка",
		Title: strings.Repeat("директор ", 30)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	var files []agent.FileInfo
	for i := range 7 {
		files = append(files, agent.FileInfo{Name: fmt.Sprintf("\x1b[31mсчёт-%d\u202e.pdf%s", i, strings.Repeat("x", 100)), Size: 1000,
			Hash: strings.Repeat(fmt.Sprintf("%x", i+1), 128), HashAlg: "Streebog-512"})
	}
	const origin = "https://portal.example"
	errs := make(chan error, 1)
	go func() {
		errs <- term.ConfirmSigning(context.Background(), agent.SigningRequest{Kind: agent.SignBatch, Origin: origin,
			Description: desc, Files: files, Certificate: c, Count: len(files)})
	}()
	p.waitScreen(t, "[y/N] ", 1)
	p.typ(t, "n\r")
	if err := <-errs; !errors.Is(err, agent.ErrCancelled) {
		t.Fatalf("declined: %v", err)
	}
	out := p.screen.String()
	if strings.ContainsAny(out, "\x1b\u009b\u009d\u202e\u2066\u200b\u200d\ufeff") {
		t.Fatalf("page's control characters reached the terminal:\n%q", out)
	}
	prompt := out[:strings.Index(out, "[y/N] ")+len("[y/N] ")]
	lines := strings.Split(strings.ReplaceAll(prompt, "\r\n", "\n"), "\n")
	for len(lines) > 0 && lines[0] == "" {
		lines = lines[1:]
	}
	if len(lines) > 23 {
		t.Errorf("the prompt takes %d lines, over a 24-line screen with the answer:\n%s", len(lines), prompt)
	}
	for _, l := range lines {
		if w := displaytext.Width(l); w >= 80 || !utf8.ValidString(l) {
			t.Errorf("line of %d columns: %q", w, l)
		}
	}
	if !strings.HasPrefix(lines[0], "== Zavera: request to sign 7 documents") {
		t.Errorf("first line %q, want the header", lines[0])
	}
	headers, sites := 0, 0
	for _, l := range lines {
		if strings.HasPrefix(l, "==") {
			headers++
		}
		if strings.HasPrefix(l, "  Site:") {
			sites++
		}
	}
	if headers != 1 || sites != 1 {
		t.Errorf("%d headers and %d site lines, want one each:\n%s", headers, sites, prompt)
	}
	if n := len(lines); lines[n-2] != "  Site:        "+origin || !strings.HasPrefix(lines[n-1], "Sign these 7 documents?") {
		t.Errorf("the origin is not just above the question:\n%s", prompt)
	}
	text := strings.Join(lines, "\n")
	for i := range 3 {
		h := strings.Repeat(fmt.Sprintf("%x", i+1), 128)
		if !strings.Contains(text, "Streebog-512 "+h[:64]+"\n") || !strings.Contains(text, h[64:]+"\n") {
			t.Errorf("digest of document %d not shown whole:\n%s", i+1, prompt)
		}
	}
	for _, want := range []string{"and 4 more documents", "Иванов Иван", "ООО Ромашка", "Оплата счёта== Zavera"} {
		if !strings.Contains(strings.ReplaceAll(text, "\n", " "), want) {
			t.Errorf("prompt lacks %q:\n%s", want, prompt)
		}
	}
}
