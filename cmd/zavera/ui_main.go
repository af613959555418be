package main

import (
	"errors"
	"fmt"
	"io"
	"os/exec"

	"github.com/zavera/zavera/internal/appconf"
)

// `zavera ui` is what users and the tray run; the window itself is
// `zavera-ui main`, a program of its own, so that this one never links
// the GUI toolkit.
func init() {
	commands["ui"] = command{Summary: "open the main window (tokens, sites, journal, settings)", Run: runUI}
}

// runUI runs `zavera-ui main` with the same arguments and returns its
// exit status.
func runUI(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	exe, err := findUIProgram()
	if err != nil {
		fmt.Fprintf(stderr, "zavera ui: %v\n", err)
		return 1
	}
	cmd := exec.Command(exe, append([]string{"main"}, args...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return ee.ExitCode()
	case err != nil:
		fmt.Fprintf(stderr, "zavera ui: %s: %v\n", exe, err)
		return 1
	}
	return 0
}

// findUIProgram finds zavera-ui beside this executable, else on PATH.
// Its error says in Russian and in English what is missing and what to
// do.
func findUIProgram() (string, error) {
	exe, err := appconf.FindProgram(appconf.UIProgram)
	if err == nil {
		return exe, nil
	}
	var nf *appconf.ProgramNotFoundError
	if !errors.As(err, &nf) {
		return "", err
	}
	return "", &noUIProgramError{nf}
}

// noUIProgramError is a missing window program.
type noUIProgramError struct{ *appconf.ProgramNotFoundError }

func (e *noUIProgramError) Error() string {
	ru, en := "в PATH", "on PATH"
	if e.Dir != "" {
		ru, en = "ни в "+e.Dir+", ни в PATH", "in "+e.Dir+" or on PATH"
	}
	return fmt.Sprintf("программа окон Zavera (%[1]s) не найдена %[2]s: переустановите Zavera или запустите 'zavera serve --headless', чтобы отвечать в терминале. "+
		"Zavera's window program (%[1]s) is not found %[3]s: reinstall Zavera, or run 'zavera serve --headless' to answer on the terminal.",
		e.Name, ru, en)
}

func (e *noUIProgramError) Unwrap() error { return e.ProgramNotFoundError }
