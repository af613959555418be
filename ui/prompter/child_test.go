package prompter

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
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
// it runs the real windows of package ui on Fyne's headless driver (as a
// spare process with ZAVERA_UI_SPARE), plays the user's part taken from
// the queue folder ZAVERA_UI_ACTIONS once its window shows, and appends
// what the window showed to the file ZAVERA_UI_SCREEN.
func TestMain(m *testing.M) {
	if os.Getenv("ZAVERA_UI_CHILD") == "1" {
		os.Exit(child(os.Getenv("ZAVERA_UI_ACTIONS"), os.Getenv("ZAVERA_UI_SCREEN"), os.Getenv("ZAVERA_UI_SPARE") == "1"))
	}
	os.Exit(m.Run())
}

func child(actions, screen string, spare bool) int {
	a := test.NewApp()
	var s *ui.PromptSession
	if spare {
		s = ui.ServeSpare(a, a.NewWindow(""), bufio.NewReader(os.Stdin), os.Stdout, i18n.English, time.Now, nil)
		<-s.Ready()
		if err := s.Err(); err != nil {
			if errors.Is(err, ui.ErrNoRequest) {
				return 0
			}
			fmt.Fprintln(os.Stderr, "child:", err)
			return 1
		}
	} else {
		var err error
		s, err = ui.ServePrompt(a, bufio.NewReader(os.Stdin), os.Stdout, i18n.English, time.Now())
		if err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 1
		}
	}
	s.Shown()
	action := nextAction(actions)
	if pg := s.Progress(); pg != nil {
		return progressChild(s, pg, action, screen)
	}
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

// nextAction claims the oldest action in the queue folder; with none
// queued, the user refuses.
func nextAction(dir string) string {
	names, _ := os.ReadDir(dir)
	for _, n := range names {
		if strings.HasSuffix(n.Name(), ".taken") {
			continue
		}
		path := filepath.Join(dir, n.Name())
		if os.Rename(path, path+".taken") != nil {
			continue
		}
		b, _ := os.ReadFile(path + ".taken")
		return string(b)
	}
	return "refuse"
}

// signedCount reads the count of signed documents in the progress window's
// status ("Signed 3 of 120").
var signedCount = regexp.MustCompile(`Signed (\d+) of`)

// progressChild plays the user watching a batch: "watch" lets it run,
// "cancel-at:N" taps Cancel once N documents are signed. What the window
// showed at the end goes to screen.
func progressChild(s *ui.PromptSession, pg *ui.Progress, action, screen string) int {
	switch {
	case action == "watch":
	case strings.HasPrefix(action, "cancel-at:"):
		// The window may come up late on a busy machine (or under
		// Wine), when more than N documents are signed already: it taps
		// Cancel at the first count of N or more it shows.
		want, err := strconv.Atoi(strings.TrimPrefix(action, "cancel-at:"))
		if err != nil {
			fmt.Fprintf(os.Stderr, "child: bad progress action %q\n", action)
			return 2
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			if m := signedCount.FindStringSubmatch(pg.Status()); m != nil {
				if n, _ := strconv.Atoi(m[1]); n >= want {
					break
				}
			}
			if time.Now().After(deadline) {
				fmt.Fprintf(os.Stderr, "child: never showed %d or more signed\n", want)
				return 2
			}
			time.Sleep(2 * time.Millisecond)
		}
		test.Tap(pg.CancelButton())
	default:
		fmt.Fprintf(os.Stderr, "child: unknown progress action %q\n", action)
		return 2
	}
	<-s.Done()
	if screen != "" {
		f, err := os.OpenFile(screen, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600)
		if err == nil {
			fmt.Fprintf(f, "=== %s\n%sstatus: %s\nfinished: %v\n", pg.Window().Title(), uitest.Texts(pg.Window().Content()), pg.Status(), pg.Finished())
			f.Close()
		}
	}
	if err := s.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	return 0
}
