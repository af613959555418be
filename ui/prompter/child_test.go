package prompter

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/zavera/zavera/ui"
	"github.com/zavera/zavera/ui/i18n"
	"github.com/zavera/zavera/ui/internal/uitest"
	"github.com/zavera/zavera/ui/wire"
)

// The test binary doubles as the window process: with ZAVERA_UI_CHILD set
// it runs the real windows of package ui on Fyne's headless driver and
// plays the user's part named by ZAVERA_UI_ACTION, appending what the
// window showed to the file ZAVERA_UI_SCREEN.
func TestMain(m *testing.M) {
	if os.Getenv("ZAVERA_UI_CHILD") == "1" {
		os.Exit(child(os.Getenv("ZAVERA_UI_ACTION"), os.Getenv("ZAVERA_UI_SCREEN")))
	}
	os.Exit(m.Run())
}

func child(action, screen string) int {
	a := test.NewApp()
	s, err := ui.ServePrompt(a, bufio.NewReader(os.Stdin), os.Stdout, i18n.English, time.Now())
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	s.Shown()
	p := s.Prompt()
	if screen != "" {
		f, err := os.OpenFile(screen, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600)
		if err == nil {
			fmt.Fprintf(f, "=== %s\n%s", p.Window().Title(), uitest.Texts(p.Window().Content()))
			f.Close()
		}
	}
	switch {
	case action == "approve":
		// Sign, allow always, or close a notice.
		for _, a := range []wire.Answer{wire.ApproveAlways, wire.Confirm, wire.Dismissed} {
			if b := p.Button(a); b != nil {
				test.Tap(b)
				break
			}
		}
	case action == "once":
		test.Tap(p.Button(wire.Approve))
	case action == "refuse":
		// Escape, in the PIN field when there is one.
		esc := &fyne.KeyEvent{Name: fyne.KeyEscape}
		if f := p.PINField(); f != nil {
			f.TypedKey(esc)
		} else {
			p.Window().Canvas().OnTypedKey()(esc)
		}
	case strings.HasPrefix(action, "pin:"):
		f := p.PINField()
		if f == nil {
			fmt.Fprintln(os.Stderr, "child: no PIN field")
			return 2
		}
		test.Type(f, strings.TrimPrefix(action, "pin:"))
		f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	case action == "crash":
		return 3
	case action == "hang":
		// Wait for the agent to give up.
	default:
		fmt.Fprintf(os.Stderr, "child: unknown action %q\n", action)
		return 2
	}
	<-s.Done()
	if err := s.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	return 0
}
