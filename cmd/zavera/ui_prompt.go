package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/zavera/zavera/ui"
	"github.com/zavera/zavera/ui/i18n"
)

const uiPromptUsage = `Usage: zavera ui-prompt [--screenshot FILE.png]

Shows one of Zavera's windows (a new site, a signature, a PIN, a notice)
and exits when the user answers. The running agent starts it: it reads the
request as JSON on standard input and writes the answer on standard output
(package ui/wire). Closing its input cancels the window.

  --screenshot FILE  save a picture of the window once it shows, then
                     refuse and exit (for reviewing the windows).`

// appID names Zavera to the desktop (preferences, notifications).
const appID = "org.zavera.Zavera"

func init() {
	commands["ui-prompt"] = command{"show one window for the agent (started by the agent)", runUIPrompt}
}

func runUIPrompt(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ui-prompt", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	shot := fs.String("screenshot", "", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, uiPromptUsage)
			return 0
		}
		fmt.Fprintf(stderr, "zavera ui-prompt: %v\n\n%s\n", err, uiPromptUsage)
		return 2
	}
	in := stdin
	if *shot != "" {
		// The request comes from a file: its end cancels nothing.
		never, _ := io.Pipe()
		in = io.MultiReader(stdin, never)
	}
	a := app.NewWithID(appID)
	s, err := ui.ServePrompt(a, bufio.NewReader(in), stdout, i18n.Detect(os.Getenv), time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "zavera ui-prompt: %v\n", err)
		return 1
	}
	a.Lifecycle().SetOnStarted(func() {
		// Two turns of the event loop after the start: the window is up.
		fyne.Do(func() {
			fyne.Do(func() {
				s.Shown()
				if *shot != "" {
					go screenshot(s, *shot, stderr)
				}
			})
		})
	})
	a.Run()
	if err := s.Err(); err != nil {
		fmt.Fprintf(stderr, "zavera ui-prompt: %v\n", err)
		return 1
	}
	return 0
}

// screenshot saves the window once it has been drawn, then refuses.
func screenshot(s *ui.PromptSession, path string, stderr io.Writer) {
	time.Sleep(3 * time.Second)
	fyne.DoAndWait(func() {
		img := s.Prompt().Window().Canvas().Capture()
		f, err := os.Create(path)
		if err == nil {
			err = png.Encode(f, img)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "zavera ui-prompt: screenshot: %v\n", err)
		}
		s.Prompt().Window().Close()
	})
}
