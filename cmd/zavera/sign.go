package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/pkcs11"
)

const signUsage = `Usage: zavera sign --cert ID [--module PATH]... [--no-discovery] [--attached]
                   [--pin-file FILE] [-o OUT] FILE...

Makes a CAdES-BES signature of each FILE with the token key of the
certificate ID ('zavera certs' lists them), written to FILE.sig. The token
asks for its PIN once for all the files. The PIN is read from the
terminal without echo, unless --pin-file names a file whose first line is
the PIN. A token with a PIN pad asks for it itself. For a software key
('zavera keys') the password of the key is asked the same way. Files of any
size are read as they are signed; when stderr is a terminal, a file of 8 MB
or more shows a progress bar (per cent and MB/s), as do batches of several
files.

  --cert ID        the certificate to sign with.
  --attached       put the file's content into the signature.
  --pin-file FILE  read the PIN from FILE instead of the terminal.
  -o OUT           write the signature to OUT (one FILE only).
  --module PATH    load this module too; repeatable (see 'zavera tokens').
  --no-discovery   load only the modules named by --module and
                   ZAVERA_PKCS11_MODULES.

Exit status: 0 all signed, 1 a signature failed, 2 bad usage or unreadable input.`

// runSign implements `zavera sign`.
func runSign(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a, err := parseTokenArgs(args, []string{"module", "cert", "pin-file", "o"}, []string{"attached", "no-discovery"})
	if errors.Is(err, errTokenHelp) {
		fmt.Fprintln(stdout, signUsage)
		return 0
	}
	if err == nil {
		err = checkSignArgs(a)
	}
	if err != nil {
		fmt.Fprintf(stderr, "zavera sign: %v\n\n%s\n", err, signUsage)
		return 2
	}
	for _, f := range a.operands {
		st, err := os.Stat(f)
		if err == nil && st.IsDir() {
			err = fmt.Errorf("%s: is a directory", f)
		}
		if err != nil {
			fmt.Fprintf(stderr, "zavera sign: %v\n", err)
			return 2
		}
	}
	pins, err := newPINSource(a.pinFile, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "zavera sign: %v\n", err)
		return 2
	}
	defer pins.wipe()

	var signer cms.Signer
	if soft := softwareKeyOf(a.cert); soft != nil {
		key, err := soft.open(pins)
		if err != nil {
			fmt.Fprintf(stderr, "zavera sign: %s\n", softKeyOpenText(err))
			return 1
		}
		defer key.Close()
		signer = cms.Signer{Key: key, Certificate: soft.info.Certificate}
	} else {
		m, err := openTokens(a)
		if err != nil {
			fmt.Fprintf(stderr, "zavera sign: %v\n", err)
			return 1
		}
		defer m.Close()
		key, err := m.Signer(a.cert, pins.get)
		if err != nil {
			for _, mod := range m.Modules() {
				if mod.Err != nil {
					fmt.Fprintf(stderr, "zavera sign: %v\n", mod.Err)
				}
			}
			fmt.Fprintf(stderr, "zavera sign: %v\n", err)
			return 1
		}
		signer = cms.Signer{Key: key, Certificate: key.Certificate()}
	}
	bar := newProgress(stderr, len(a.operands), cliLang())
	failed := 0
	for i, name := range a.operands {
		bar.show(i, name)
		out := name + ".sig"
		if a.out != "" {
			out = a.out
		}
		err := signFile(name, out, signer, &cms.Options{Attached: a.attached}, bar)
		if err != nil {
			bar.clear()
			fmt.Fprintf(stderr, "zavera sign: %s: %s\n", name, signErrorText(err))
			failed++
			if stopsBatch(err) {
				failed += len(a.operands) - i - 1
				if rest := len(a.operands) - i - 1; rest > 0 {
					fmt.Fprintf(stderr, "zavera sign: %d more file(s) not signed\n", rest)
				}
				break
			}
			continue
		}
		bar.clear()
		fmt.Fprintf(stdout, "%s: signed, %s\n", name, out)
	}
	bar.done(len(a.operands) - failed)
	if failed > 0 {
		return 1
	}
	return 0
}

func checkSignArgs(a *tokenArgs) error {
	if a.cert == "" {
		return errors.New("--cert ID is required ('zavera certs' lists the IDs)")
	}
	if len(a.operands) == 0 {
		return errors.New("no file to sign")
	}
	if a.out != "" && len(a.operands) > 1 {
		return errors.New("-o takes one FILE; without it each FILE gets FILE.sig")
	}
	return nil
}

// stopsBatch reports whether an error makes the next files fail too
// (and a retry would burn PIN tries).
func stopsBatch(err error) bool {
	for _, e := range []error{pkcs11.ErrPINIncorrect, pkcs11.ErrPINLocked, pkcs11.ErrPINInvalid, pkcs11.ErrPINRequired,
		pkcs11.ErrCancelled, pkcs11.ErrTokenRemoved, pkcs11.ErrKeyNotFound, pkcs11.ErrMechanismNotSupported,
		pkcs11.ErrDeviceError, pkcs11.ErrClosed} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// signErrorText says what went wrong in the user's terms.
func signErrorText(err error) string {
	var pe *pkcs11.PINError
	switch {
	case errors.As(err, &pe):
		return pe.Error()
	case errors.Is(err, pkcs11.ErrTokenRemoved):
		return "the token was removed; insert it and sign again"
	case errors.Is(err, pkcs11.ErrCancelled):
		return "cancelled"
	}
	return err.Error()
}

// signFile signs one file into out, written whole or not at all; bar
// follows the reading of a large file.
func signFile(name, out string, s cms.Signer, opts *cms.Options, bar *progress) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	sig, err := cms.Sign(bar.reader(f, st.Size()), s, opts)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(sig)
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp.Name(), 0o644)
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), out)
	}
	if werr != nil {
		os.Remove(tmp.Name())
	}
	return werr
}

// pinSource supplies the PIN: from a file, or asked once on the terminal
// and kept (in memory only) until the batch ends.
type pinSource struct {
	pin    []byte
	asked  bool
	prompt io.Writer
}

func newPINSource(file string, prompt io.Writer) (*pinSource, error) {
	p := &pinSource{prompt: prompt}
	if file == "" {
		return p, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--pin-file: %w", err)
	}
	line := data
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimRight(line, "\r")
	p.pin = append([]byte(nil), line...)
	for i := range data {
		data[i] = 0
	}
	if len(p.pin) == 0 {
		return nil, fmt.Errorf("--pin-file: %s holds no PIN on its first line", file)
	}
	p.asked = true
	return p, nil
}

// get is the pkcs11.PINFunc: it hands out a copy, which the package wipes.
func (p *pinSource) get(r pkcs11.PINRequest) ([]byte, error) {
	if !p.asked {
		pin, err := readPINFromTerminal(fmt.Sprintf("PIN for token %q: ", r.Token.Label))
		if err != nil {
			return nil, err
		}
		p.pin, p.asked = pin, true
	}
	return append([]byte(nil), p.pin...), nil
}

// password is like get for a software key's password.
func (p *pinSource) password(keyName string) ([]byte, error) {
	if !p.asked {
		pw, err := readPINFromTerminal(fmt.Sprintf("Password for key %q: ", keyName))
		if err != nil {
			return nil, err
		}
		p.pin, p.asked = pw, true
	}
	return append([]byte(nil), p.pin...), nil
}

func (p *pinSource) wipe() {
	for i := range p.pin {
		p.pin[i] = 0
	}
}

// readPINFromTerminal asks on the controlling terminal with echo off.
func readPINFromTerminal(prompt string) ([]byte, error) {
	if runtime.GOOS == "windows" {
		return nil, errors.New("no terminal prompt on this system: use --pin-file")
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("no terminal to ask the PIN on (use --pin-file): %w", err)
	}
	defer tty.Close()
	stty := func(arg string) error {
		cmd := exec.Command("stty", arg)
		cmd.Stdin = tty
		return cmd.Run()
	}
	if err := stty("-echo"); err != nil {
		return nil, fmt.Errorf("cannot turn off the terminal's echo: %w", err)
	}
	defer func() {
		stty("echo")
		fmt.Fprintln(tty)
	}()
	fmt.Fprint(tty, "\r\x1b[K"+prompt) // over the progress bar, if any
	r := bufio.NewReaderSize(tty, 256)
	line, err := r.ReadSlice('\n')
	if err != nil && len(line) == 0 {
		return nil, fmt.Errorf("reading the PIN: %w", err)
	}
	pin := append([]byte(nil), bytes.TrimRight(line, "\r\n")...)
	for i := range line {
		line[i] = 0
	}
	if len(pin) == 0 {
		return nil, errors.New("no PIN entered")
	}
	return pin, nil
}
