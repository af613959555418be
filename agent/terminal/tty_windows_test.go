//go:build windows

package terminal

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/zavera/zavera/agent"
)

var (
	kernel32                   = windows.NewLazySystemDLL("kernel32.dll")
	allocConsole               = kernel32.NewProc("AllocConsole")
	freeConsole                = kernel32.NewProc("FreeConsole")
	readConsoleOutputCharacter = kernel32.NewProc("ReadConsoleOutputCharacterW")
)

// console opens this process's console, making one if it has none (a
// test run with its output to a pipe: Wine then gives the process a
// console that has no input buffer, which must be let go first).
func console(t *testing.T) (in, out *os.File) {
	t.Helper()
	in, out, err := openTTY()
	if err != nil {
		freeConsole.Call()
		allocConsole.Call()
		if in, out, err = openTTY(); err != nil {
			t.Fatalf("no console, and none could be made: %v", err)
		}
	}
	t.Cleanup(func() { in.Close(); out.Close() })
	return in, out
}

// consoleText is what the console's screen buffer shows.
func consoleText(t *testing.T, out *os.File) string {
	t.Helper()
	var info windows.ConsoleScreenBufferInfo
	h := windows.Handle(out.Fd())
	if err := windows.GetConsoleScreenBufferInfo(h, &info); err != nil {
		t.Fatalf("screen buffer: %v", err)
	}
	n := int(info.Size.X) * int(info.Size.Y)
	buf := make([]uint16, n)
	var got uint32
	if ok, _, err := readConsoleOutputCharacter.Call(uintptr(h), uintptr(unsafe.Pointer(&buf[0])), uintptr(n), 0, uintptr(unsafe.Pointer(&got))); ok == 0 {
		t.Fatalf("reading the screen buffer: %v", err)
	}
	return windows.UTF16ToString(buf[:got])
}

// answerAfter types keys into the console once the prompt shows text.
func answerAfter(t *testing.T, s *screen, in *os.File, text, keys string) {
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.String(), text) {
		if time.Now().After(deadline) {
			t.Errorf("the prompt never showed %q:\n%s", text, s.String())
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := writeKeys(in, keys); err != nil {
		t.Errorf("typing: %v", err)
	}
}

// The console is a terminal: a PIN typed on it is read with echo off, so
// it never reaches the screen, while an ordinary answer is echoed.
func TestConsolePINNotEchoed(t *testing.T) {
	in, out := console(t)
	s := &screen{}
	term := New(in, s)
	if term.tty == nil {
		t.Fatal("the console's input is not taken for a terminal")
	}
	ctx := context.Background()
	go answerAfter(t, s, in, "Allow this site?", "yes\r")
	if err := term.ApproveOrigin(ctx, agent.OriginRequest{Origin: "https://portal.example", PairingCode: "123-456"}); err != nil {
		t.Fatalf("approve: %v", err)
	}
	go answerAfter(t, s, in, "PIN", "918273\r")
	pin, err := term.PIN(ctx, agent.PINRequest{Origin: "https://portal.example", Token: agent.Token{Label: "Rutoken"}})
	if err != nil {
		t.Fatalf("PIN: %v", err)
	}
	if got := string(pin.Bytes()); got != "918273" {
		t.Fatalf("PIN %q, want 918273", got)
	}
	text := consoleText(t, out)
	if !strings.Contains(text, "yes") {
		t.Fatalf("the echoed answer is not on the screen, so the screen cannot show echo:\n%s", text)
	}
	if strings.Contains(text, "918273") {
		t.Fatalf("the PIN was echoed:\n%s", text)
	}
	// Echo is back for the next question.
	var mode uint32
	windows.GetConsoleMode(windows.Handle(in.Fd()), &mode)
	if mode&windows.ENABLE_ECHO_INPUT == 0 {
		t.Fatalf("console mode %#x: echo still off after the PIN", mode)
	}
}

// Keys typed before a question do not answer it.
func TestConsoleTypeAheadDiscarded(t *testing.T) {
	in, _ := console(t)
	s := &screen{}
	term := New(in, s)
	if err := writeKeys(in, "y\r"); err != nil {
		t.Fatal(err)
	}
	go answerAfter(t, s, in, "Allow this site?", "n\r")
	err := term.ApproveOrigin(context.Background(), agent.OriginRequest{Origin: "https://portal.example", PairingCode: "1"})
	if !errors.Is(err, agent.ErrCancelled) {
		t.Fatalf("approve: %v, want declined (the typed-ahead y answered)", err)
	}
}

// A question whose context ends stops waiting on the console, and the
// next question is answered by what is typed for it.
func TestConsoleQuestionAbandoned(t *testing.T) {
	in, _ := console(t)
	s := &screen{}
	term := New(in, s)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- term.ApproveOrigin(ctx, agent.OriginRequest{Origin: "https://one.example", PairingCode: "1"})
	}()
	answerAfter(t, s, in, "https://one.example", "y")
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("abandoned question: %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the question still waits on the console after its context ended")
	}
	go answerAfter(t, s, in, "https://two.example", "y\r")
	if err := term.ApproveOrigin(context.Background(), agent.OriginRequest{Origin: "https://two.example", PairingCode: "2"}); err != nil {
		t.Fatalf("the next question: %v", err)
	}
}
