package ui

import (
	"bufio"
	"fmt"
	"io"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"github.com/zavera/zavera/ui/i18n"
	"github.com/zavera/zavera/ui/wire"
)

// PromptSession is the window process's side of one prompt: it shows the
// request read from the agent, writes the answer back, and quits the app.
type PromptSession struct {
	app    fyne.App
	out    io.Writer
	mu     sync.Mutex // serialises writes to out
	prompt *Prompt
	// progress is set instead of prompt for a progress request.
	progress   *Progress
	finishOnce sync.Once
	// uiMu is held while the input's updates change the progress
	// window. Fyne's own driver runs those changes on its main
	// goroutine; its test driver, which has none, runs them on the
	// reading goroutine, and tests take uiMu to look.
	uiMu  sync.Mutex
	err   error
	done  chan struct{}
	ready chan struct{}
}

// ServePrompt reads one request from in, shows its window in a, and
// arranges for the answer to be written to out and the app to quit. When
// in ends before the user answers (the agent gave up or went away), the
// prompt is refused. The caller then runs the app's event loop (a.Run)
// and calls Err afterwards. It must run on the app's main goroutine
// before the loop starts.
func ServePrompt(a fyne.App, in *bufio.Reader, out io.Writer, lang i18n.Lang, now time.Time) (*PromptSession, error) {
	req, err := wire.ReadRequest(in)
	if err != nil {
		return nil, err
	}
	if l, ok := i18n.Parse(req.Lang); ok && req.Lang != "" {
		lang = l
	}
	s := &PromptSession{app: a, out: out, done: make(chan struct{})}
	w := a.NewWindow("Zavera")
	if req.Kind == wire.KindProgress {
		s.showProgress(w, lang, req)
		w.RequestFocus()
		go s.followProgress(in)
		return s, nil
	}
	s.prompt, err = Show(w, lang, req, now, s.answer)
	if err != nil {
		return nil, err
	}
	w.RequestFocus()
	go func() {
		// Anything after the request, then the end of the input.
		io.Copy(io.Discard, in)
		fyne.Do(func() { s.prompt.refuse() })
	}()
	return s, nil
}

// Shown tells the agent that the window is on screen.
func (s *PromptSession) Shown() {
	s.write(wire.Reply{Event: wire.Shown}, nil)
}

func (s *PromptSession) answer(r Result) {
	s.write(wire.Reply{Answer: r.Answer}, r.PIN)
	wipe(r.PIN)
	s.finish()
}

// Done is closed once the answer is written.
func (s *PromptSession) Done() <-chan struct{} { return s.done }

func (s *PromptSession) write(r wire.Reply, pin []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := wire.WriteReply(s.out, r, pin); err != nil && s.err == nil {
		s.err = fmt.Errorf("ui: writing the answer: %w", err)
	}
}

// Err returns the first error writing to the agent.
func (s *PromptSession) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Prompt returns the prompt shown.
func (s *PromptSession) Prompt() *Prompt { return s.prompt }
