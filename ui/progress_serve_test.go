package ui

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/zavera/zavera/ui/i18n"
	"github.com/zavera/zavera/ui/wire"
)

type lockedBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// withUI runs f on the windows while the input's updates are held off.
func (s *PromptSession) withUI(f func()) {
	s.uiMu.Lock()
	defer s.uiMu.Unlock()
	f()
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// serveProgress starts a progress session fed through a pipe.
func serveProgress(t *testing.T) (*PromptSession, *io.PipeWriter, *lockedBuf) {
	t.Helper()
	a := test.NewTempApp(t)
	r, w := io.Pipe()
	go wire.WriteRequest(w, &wire.Request{Kind: wire.KindProgress, Origin: "https://nalog.example", Signing: batch(3)})
	out := &lockedBuf{}
	s, err := ServePrompt(a, bufio.NewReader(r), out, i18n.English, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	if s.Progress() == nil || s.Prompt() != nil || s.Window() == nil {
		t.Fatal("a progress request did not open the progress window")
	}
	return s, w, out
}

func TestServeProgressCancel(t *testing.T) {
	s, w, out := serveProgress(t)
	wire.WriteUpdate(w, wire.Update{Done: 2, Failed: 1})
	eventually(t, "the update shows", func() (ok bool) {
		s.withUI(func() { ok = s.Progress().Status() == "Signed 1 of 3" })
		return ok
	})
	s.withUI(func() { test.Tap(s.Progress().CancelButton()) })
	eventually(t, "cancel is answered", func() bool { return strings.Contains(out.String(), `{"answer":"cancel"}`) })
	select {
	case <-s.Done():
		t.Fatal("the window went before the agent finished the batch")
	default:
	}
	wire.WriteUpdate(w, wire.Update{Done: 3, Failed: 2, Finished: true})
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a cancelled batch's window stayed after the end")
	}
	if strings.Contains(out.String(), "dismissed") || s.Err() != nil {
		t.Fatalf("answers %q, err %v", out.String(), s.Err())
	}
}

func TestServeProgressFinished(t *testing.T) {
	s, w, out := serveProgress(t)
	wire.WriteUpdate(w, wire.Update{Done: 3, Finished: true})
	eventually(t, "done shows", func() (ok bool) {
		s.withUI(func() { ok = s.Progress().Finished() })
		return ok
	})
	// The user closes it.
	s.withUI(func() { test.Tap(s.Progress().CancelButton()) })
	<-s.Done()
	if got := out.String(); !strings.Contains(got, `{"answer":"dismissed"}`) || strings.Contains(got, "cancel") {
		t.Fatalf("answers %q", got)
	}
}

// A hostile update closes the window, and the session reports it.
func TestServeProgressMalformedUpdate(t *testing.T) {
	for name, line := range map[string]string{
		"more failed than done": `{"done":1,"failed":5}`,
		"unknown member":        `{"done":1,"answer":"confirm"}`,
		"too long":              `{"done":1,"x":"` + strings.Repeat("a", 2*wire.MaxUpdate) + `"}`,
	} {
		s, w, out := serveProgress(t)
		go io.WriteString(w, line+"\n")
		select {
		case <-s.Done():
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: window still up", name)
		}
		if err := s.Err(); !errors.Is(err, wire.ErrMalformed) && !errors.Is(err, wire.ErrTooLarge) {
			t.Errorf("%s: err %v", name, err)
		}
		if strings.Contains(out.String(), "cancel") {
			t.Errorf("%s: answered %q", name, out.String())
		}
	}
}
