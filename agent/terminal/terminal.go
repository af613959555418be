// Package terminal is a Prompter on a text terminal, for `zavera serve
// --headless`: origin approvals, signing confirmations and PINs are asked
// on the controlling terminal (/dev/tty), never on the websocket.
//
// # Rules
//
// Prompts are shown one at a time, in the order asked; a prompt whose
// context ends (timeout, page gone) is abandoned with a note and the next
// one is shown.
//
// Nothing typed before a question answers it. On a terminal, the input
// is read only while a question waits, and the terminal's pending input,
// a half-typed line included, is discarded (tcflush) before each question
// is shown: a "y" typed into a prompt that the page then cancels does not
// answer the next one. The PIN is read with echo off; whether it is
// answered or abandoned, pending input is discarded before echo comes
// back, so that no part of a PIN is echoed or left for the next question.
// Answers are read a byte at a time into buffers that are wiped after
// use. Where the input is not a terminal (a pipe) it is read as a stream
// and lines that arrive before a question are dropped.
//
// On Windows the terminal is the console: CONIN$ and CONOUT$. Pending
// input is discarded with FlushConsoleInputBuffer, echo is turned off by
// clearing ENABLE_ECHO_INPUT, and a read that a question's end must stop
// (console reads have no deadlines) is ended by writing an Enter key
// into the console's input, whose line is then thrown away. Go reads the
// console a line at a time into a buffer of its own, which this package
// cannot wipe.
//
// What a prompt shows fits an 80×24 terminal whatever the page sent
// (see render.go): page text, document previews and certificate fields
// are cleaned with internal/displaytext and capped in width and lines,
// each document is shown with the agent's own digest, and the origin
// comes last, just above the question, so that nothing a page sends can
// push it off the screen or draw a header of its own.
//
// # Concurrency
//
// A *Terminal is safe for concurrent use. On a terminal, the goroutine
// of the prompt being asked reads the input; on a stream, one goroutine
// reads it for the life of the Terminal.
package terminal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/zavera/zavera/agent"
)

// maxLine bounds an answer; longer input is cut.
const maxLine = 256

// Terminal asks on a terminal.
type Terminal struct {
	out io.Writer
	// tty is the input when it is a terminal that can be read with a
	// deadline; nil otherwise, and lines then come from a reader.
	tty   *os.File
	lines chan []byte
	turn  chan struct{} // one prompt at a time
	mu    sync.Mutex    // serialises writes
	now   func() time.Time
}

// Open opens the controlling terminal: /dev/tty on Unix, the console's
// CONIN$ and CONOUT$ on Windows.
func Open() (*Terminal, error) {
	in, out, err := openTTY()
	if err != nil {
		return nil, err
	}
	return New(in, out), nil
}

// New asks on out and reads answers from in. When in is a terminal, its
// pending input is discarded before each question and echo is turned off
// for the PIN.
func New(in io.Reader, out io.Writer) *Terminal {
	t := &Terminal{out: out, turn: make(chan struct{}, 1), now: time.Now}
	// The descriptor is reached through SyscallConn, never Fd, which
	// would put the file in blocking mode and end read deadlines.
	if f, ok := in.(*os.File); ok && control(f, func(fd uintptr) bool { return isTerminal(fd) }) && canWake(f) {
		t.tty = f
		return t
	}
	t.lines = make(chan []byte)
	go t.readLines(in)
	return t
}

// readLines reads a stream's lines a byte at a time, so that no copy of
// a PIN stays in a read buffer, and hands each to the prompt waiting for
// it.
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

// errClosed is input that ended.
var errClosed = fmt.Errorf("%w: input closed", agent.ErrCancelled)

// ask shows text and waits for a line. The caller wipes the line.
func (t *Terminal) ask(ctx context.Context, text string, secret bool) ([]byte, error) {
	select {
	case t.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-t.turn }()
	if t.tty == nil {
		return t.askStream(ctx, text)
	}
	// Echo goes off before the question shows, so that nothing typed
	// after it can be echoed; pending input is discarded before echo
	// comes back, so that no part of the PIN is echoed later or read by
	// the next question.
	if secret {
		var restore func() error
		if control(t.tty, func(fd uintptr) bool {
			var err error
			restore, err = echoOff(fd)
			return err == nil
		}) {
			defer func() {
				t.flush()
				restore()
				t.print("\n")
			}()
		}
	}
	t.flush()
	t.print(text)
	l, err := t.readTTY(ctx)
	if err != nil && ctx.Err() != nil {
		t.print("\n(no answer in time: cancelled)\n")
	}
	return l, err
}

// flush discards the terminal's pending input.
func (t *Terminal) flush() {
	control(t.tty, func(fd uintptr) bool { return flushInput(fd) == nil })
}

// control runs fn on f's descriptor and returns what it returns, false
// when the descriptor cannot be reached.
func control(f *os.File, fn func(fd uintptr) bool) bool {
	rc, err := f.SyscallConn()
	if err != nil {
		return false
	}
	ok := false
	if rc.Control(func(fd uintptr) { ok = fn(fd) }) != nil {
		return false
	}
	return ok
}

// readTTY reads one line from the terminal, giving up when ctx ends.
func (t *Terminal) readTTY(ctx context.Context) ([]byte, error) {
	woken := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		wake(t.tty)
		close(woken)
	})
	defer func() {
		if !stop() {
			<-woken
		}
		unwake(t.tty)
	}()
	var b [1]byte
	line := make([]byte, 0, maxLine)
	for {
		n, err := t.tty.Read(b[:])
		if n == 1 {
			switch {
			case b[0] == '\n' && ctx.Err() != nil:
				// The line that woke the read (Windows), or one
				// finished as the question ended: not an answer.
				wipe(line)
				return nil, ctx.Err()
			case b[0] == '\n':
				return line, nil
			case b[0] == '\r':
			case len(line) < maxLine:
				line = append(line, b[0])
			}
			b[0] = 0
			continue
		}
		switch {
		case ctx.Err() != nil:
			wipe(line)
			return nil, ctx.Err()
		case errors.Is(err, io.EOF):
			// End of file typed at the start of a line: an empty answer.
			return line, nil
		case err != nil:
			wipe(line)
			return nil, fmt.Errorf("%w: %w", errClosed, err)
		}
	}
}

// askStream asks on input that is not a terminal.
func (t *Terminal) askStream(ctx context.Context, text string) ([]byte, error) {
	// Drop lines typed before the question.
	for {
		select {
		case l, ok := <-t.lines:
			if !ok {
				return nil, errClosed
			}
			wipe(l)
			continue
		default:
		}
		break
	}
	t.print(text)
	select {
	case l, ok := <-t.lines:
		if !ok {
			return nil, errClosed
		}
		return l, nil
	case <-ctx.Done():
		t.print("\n(no answer in time: cancelled)\n")
		return nil, ctx.Err()
	}
}

func (t *Terminal) print(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	io.WriteString(t.out, s)
}

// yes asks a yes/no question; only "y" or "yes" approves.
func (t *Terminal) yes(ctx context.Context, text string) error {
	l, err := t.ask(ctx, text+" [y/N] ", false)
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
	return t.yes(ctx, renderPairing(r))
}

// ConfirmSigning implements agent.Prompter.
func (t *Terminal) ConfirmSigning(ctx context.Context, r agent.SigningRequest) error {
	return t.yes(ctx, renderSigning(r, t.now()))
}

// PIN implements agent.Prompter.
func (t *Terminal) PIN(ctx context.Context, r agent.PINRequest) (*agent.PIN, error) {
	l, err := t.ask(ctx, renderPIN(r), true)
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
	t.print(renderNotice(n))
}

var _ agent.Prompter = (*Terminal)(nil)
