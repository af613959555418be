package ui

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"fyne.io/fyne/v2"

	"github.com/zavera/zavera/ui/i18n"
	"github.com/zavera/zavera/ui/wire"
)

// showProgress fills w with a progress request (wire.KindProgress). The
// user's Cancel is answered at once and the window stays, counting, until
// the agent reports the batch finished; closing the window afterwards
// answers Dismissed. The session is over once the window is gone. It must
// run on Fyne's main goroutine.
func (s *PromptSession) showProgress(w fyne.Window, lang i18n.Lang, req *wire.Request) {
	p := ShowProgress(w, lang, req.Origin, req.Signing, func() {
		s.write(wire.Reply{Answer: wire.Cancel}, nil)
	})
	p.SetOnClosed(func() {
		if p.Finished() && !p.Cancelled() {
			s.write(wire.Reply{Answer: wire.Dismissed}, nil)
		}
		s.finish()
	})
	s.progress = p
}

// followProgress applies the updates that follow a progress request
// until the input ends, which closes the window. A malformed update ends
// it too, and is reported by Err.
func (s *PromptSession) followProgress(in *bufio.Reader) {
	for {
		u, err := wire.ReadUpdate(in)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.mu.Lock()
				if s.err == nil {
					s.err = fmt.Errorf("ui: reading progress: %w", err)
				}
				s.mu.Unlock()
			}
			fyne.Do(func() {
				s.uiMu.Lock()
				defer s.uiMu.Unlock()
				s.progress.End()
			})
			return
		}
		fyne.Do(func() {
			s.uiMu.Lock()
			defer s.uiMu.Unlock()
			s.progress.Update(u)
			if !u.Finished {
				return
			}
			if s.progress.Cancelled() {
				// The user asked to stop; there is nothing left to read.
				s.progress.End()
			} else {
				s.progress.Done()
			}
		})
	}
}

// finish ends the session once: Done is closed and the app quits.
func (s *PromptSession) finish() {
	s.finishOnce.Do(func() {
		close(s.done)
		s.app.Quit()
	})
}

// Progress returns the progress window of a progress request, or nil.
func (s *PromptSession) Progress() *Progress { return s.progress }

// Window returns the session's window, whichever request it shows.
func (s *PromptSession) Window() fyne.Window {
	if s.progress != nil {
		return s.progress.Window()
	}
	return s.prompt.Window()
}
