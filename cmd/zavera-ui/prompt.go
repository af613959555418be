package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/zavera/zavera/ui"
	"github.com/zavera/zavera/ui/i18n"
)

const promptUsage = `Usage: zavera-ui prompt [--spare] [--hold DURATION]

Shows one of Zavera's windows (a new site, a signature, a PIN, a notice,
a batch's progress) and exits when the user answers. The running agent
starts it: it reads the request as JSON on standard input and writes the
answer on standard output (package ui/wire); a batch's progress reads its
updates on standard input too and answers "cancel" when the user stops
it. Closing its input cancels the window.

  --spare          start the window before the request comes, so that
                   it shows at once when it does; the end of the input
                   before a request ends the process quietly.
  --hold DURATION  show the window for this long whatever the input
                   does, then refuse and exit: for pictures of the
                   windows (make screenshots).`

func runPrompt(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("prompt", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	hold := fs.Duration("hold", 0, "")
	spare := fs.Bool("spare", false, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, promptUsage)
			return 0
		}
		fmt.Fprintf(stderr, "zavera-ui prompt: %v\n\n%s\n", err, promptUsage)
		return 2
	}
	in := stdin
	if *hold > 0 {
		// The request comes from a file: its end cancels nothing.
		never, _ := io.Pipe()
		in = io.MultiReader(stdin, never)
	}
	if *spare {
		return runSparePrompt(in, stdout, stderr)
	}
	a := app.NewWithID(appID)
	s, err := ui.ServePrompt(a, bufio.NewReader(in), stdout, i18n.Detect(os.Getenv), time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "zavera-ui prompt: %v\n", err)
		return 1
	}
	a.Lifecycle().SetOnStarted(func() {
		// Two turns of the event loop after the start: the window is up.
		fyne.Do(func() {
			fyne.Do(func() {
				s.Shown()
				if *hold > 0 {
					time.AfterFunc(*hold, func() {
						fyne.Do(func() { s.Window().Close() })
					})
				}
			})
		})
	})
	a.Run()
	if err := s.Err(); err != nil {
		fmt.Fprintf(stderr, "zavera-ui prompt: %v\n", err)
		return 1
	}
	return 0
}

// runSparePrompt makes the window and its GL context first, then waits
// for the request with the event loop running.
func runSparePrompt(in io.Reader, stdout, stderr io.Writer) int {
	a := app.NewWithID(appID)
	w := a.NewWindow("Zavera")
	w.Resize(fyne.NewSize(600, 680))
	// Showing creates the window and its GL context; hiding it at once,
	// before the event loop draws anything, leaves it ready.
	w.Show()
	w.Hide()
	s := ui.ServeSpare(a, w, bufio.NewReader(in), stdout, i18n.Detect(os.Getenv), time.Now, func(s *ui.PromptSession) {
		fyne.Do(func() { fyne.Do(s.Shown) })
	})
	a.Run()
	if err := s.Err(); err != nil && !errors.Is(err, ui.ErrNoRequest) {
		fmt.Fprintf(stderr, "zavera-ui prompt: %v\n", err)
		return 1
	}
	return 0
}
