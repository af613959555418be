package ui

import (
	"bufio"
	"errors"
	"io"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"github.com/zavera/zavera/ui/i18n"
	"github.com/zavera/zavera/ui/wire"
)

// ErrNoRequest is the end of the input before any request: a spare
// window process that the agent no longer needs.
var ErrNoRequest = errors.New("ui: no request")

// ServeSpare is ServePrompt for a spare window process, started before
// there is anything to ask so that the next prompt shows at once: w has
// already been created (its GL context is up) and the event loop runs
// while the request is awaited. The request is read from in on a
// goroutine of its own; shown is called once its window is up. When in
// ends before a request, the app quits and Err returns ErrNoRequest.
// It must be called on the app's main goroutine.
func ServeSpare(a fyne.App, w fyne.Window, in *bufio.Reader, out io.Writer, lang i18n.Lang, now func() time.Time, shown func(*PromptSession)) *PromptSession {
	s := &PromptSession{app: a, out: out, done: make(chan struct{}), ready: make(chan struct{})}
	go func() {
		var once sync.Once
		ready := func() { once.Do(func() { close(s.ready) }) }
		defer ready()
		req, err := wire.ReadRequest(in)
		if err != nil {
			if isEOF(err) {
				err = ErrNoRequest
			}
			s.fail(err)
			return
		}
		if l, ok := i18n.Parse(req.Lang); ok && req.Lang != "" {
			lang = l
		}
		var showErr error
		fyne.DoAndWait(func() {
			if req.Kind == wire.KindProgress {
				s.showProgress(w, lang, req)
				w.RequestFocus()
				return
			}
			s.prompt, showErr = Show(w, lang, req, now(), s.answer)
			if showErr == nil {
				w.RequestFocus()
			}
		})
		if showErr != nil {
			s.fail(showErr)
			return
		}
		ready()
		if shown != nil {
			shown(s)
		}
		if s.progress != nil {
			s.followProgress(in)
			return
		}
		io.Copy(io.Discard, in)
		fyne.Do(func() { s.prompt.refuse() })
	}()
	return s
}

// fail records err and quits the app.
func (s *PromptSession) fail(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
	fyne.Do(s.app.Quit)
}

// Ready is closed once the request is shown or has failed (ServeSpare).
func (s *PromptSession) Ready() <-chan struct{} { return s.ready }

func isEOF(err error) bool {
	// An empty input decodes as io.EOF inside ErrMalformed.
	return errors.Is(err, io.EOF)
}
