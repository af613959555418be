package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/keysource"
	"github.com/zavera/zavera/internal/appconf"
	"github.com/zavera/zavera/keyfile"
)

const keysUsage = `Usage: zavera keys list [--json]
       zavera keys add PATH [--cert FILE]
       zavera keys remove ID
       zavera keys move ID --token TOKEN [--yes] [--module PATH]... [--no-discovery]

Software keys: CryptoPro key containers (a folder holding header.key,
masks.key, primary.key and the others) and key files. A software key is
not a certified token: the key is only as safe as the file and its
password.

  list             the keys added and the containers found on removable
                   drives and in CryptoPro's key folders, with their
                   certificates and IDs.
  add PATH         remember the container folder or key file PATH. Its
                   files stay where they are. --cert FILE names the
                   certificate when the key file holds none. A PKCS#12
                   file (.pfx, .p12) keeps its certificate encrypted: its
                   password is asked once (or read from --pin-file FILE)
                   to copy the certificate out; it is never stored.
  remove ID        forget the key with this ID; its files are not touched.
  move ID          write the key with this ID (or certificate ID) and its
                   certificate onto the PKCS#11 token TOKEN (its ID, label
                   or serial; 'zavera tokens' lists them) as objects the
                   key cannot be read back from. Shows the certificate and
                   the token and asks y/N first (--yes does not ask), then
                   the key's password (--password-file FILE) and the
                   token's PIN (--pin-file FILE). Refused, with nothing
                   written, when the token does not take GOST keys. The
                   key file is never deleted: afterwards keep it as a copy
                   in a safe place or delete it yourself.

'zavera certs' lists the keys' certificates too, and 'zavera sign --cert ID'
signs with them, asking for the key's password on the terminal.

Exit status: 0 done, 1 the key cannot be added, removed or moved (or the
move was declined), 2 bad usage.`

// runKeys implements `zavera keys`.
func runKeys(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintf(stderr, "zavera keys: list, add or remove?\n\n%s\n", keysUsage)
		return 2
	}
	valued, flags := []string{}, []string{}
	switch args[0] {
	case "list":
		flags = []string{"json"}
	case "add":
		valued = []string{"cert", "pin-file"}
	case "remove":
	case "move":
		valued = []string{"token", "pin-file", "password-file", "module"}
		flags = []string{"yes", "no-discovery"}
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, keysUsage)
		return 0
	default:
		fmt.Fprintf(stderr, "zavera keys: unknown action %q\n\n%s\n", args[0], keysUsage)
		return 2
	}
	a, err := parseTokenArgs(args[1:], valued, flags)
	if errors.Is(err, errTokenHelp) {
		fmt.Fprintln(stdout, keysUsage)
		return 0
	}
	if err == nil {
		want := map[string]int{"list": 0, "add": 1, "remove": 1, "move": 1}[args[0]]
		if len(a.operands) != want {
			err = fmt.Errorf("%s takes %d argument(s)", args[0], want)
		} else if args[0] == "move" && a.token == "" {
			err = errors.New("move needs --token TOKEN")
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "zavera keys: %v\n\n%s\n", err, keysUsage)
		return 2
	}
	if args[0] == "move" {
		return runKeysMove(a, stdin, stdout, stderr)
	}
	cfg, err := loadAgentConfig("")
	if err != nil {
		fmt.Fprintf(stderr, "zavera keys: %v\n", err)
		return 1
	}
	list := keysource.OpenList(appconf.KeysPath(cfg))
	switch args[0] {
	case "add":
		certFile := a.cert
		if certFile == "" && keysource.NeedsPasswordToAdd(a.operands[0]) {
			// The certificate is inside, encrypted: read it once with the
			// password and keep it beside the list.
			if certFile, err = certificateOfKeyFile(cfg, a.operands[0], a.pinFile, stderr); err != nil {
				fmt.Fprintf(stderr, "zavera keys: %s\n", keyErrorText(err))
				return 1
			}
		}
		e, err := list.Add(a.operands[0], certFile)
		if err != nil {
			fmt.Fprintf(stderr, "zavera keys: %s\n", keyErrorText(err))
			return 1
		}
		k := keysource.New(keysource.Options{List: keysource.OpenList(appconf.KeysPath(cfg))}).Keys()
		for _, x := range k {
			if x.ID == e.ID && x.Err != nil {
				fmt.Fprintf(stderr, "zavera keys: added, but not usable now: %s\n", keyErrorText(x.Err))
			}
		}
		fmt.Fprintf(stdout, "Added key %s (%s)\n", e.ID, e.Path)
		return 0
	case "remove":
		if err := list.Remove(a.operands[0]); err != nil {
			fmt.Fprintf(stderr, "zavera keys: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "Removed key %s\n", a.operands[0])
		return 0
	}
	keys := keysource.New(keysource.Options{List: list, Discover: true}).Keys()
	if a.json {
		out := make([]softKeyJSON, len(keys))
		for i, k := range keys {
			out[i] = newSoftKeyJSON(k, time.Now())
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(out)
		return 0
	}
	if len(keys) == 0 {
		fmt.Fprintln(stdout, "No software keys. 'zavera keys add PATH' adds a CryptoPro container folder or a PKCS#12 file (.pfx, .p12).")
	}
	for i, k := range keys {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		printSoftKey(stdout, k, time.Now())
	}
	return 0
}

// certificateOfKeyFile reads the certificate of the key file at path with
// its password (asked on the terminal, or the first line of pinFile) and
// saves it into the state folder; it returns the saved file.
func certificateOfKeyFile(cfg agent.Config, path, pinFile string, prompt io.Writer) (string, error) {
	pins, err := newPINSource(pinFile, prompt)
	if err != nil {
		return "", err
	}
	pw, err := pins.password(filepath.Base(path))
	if err != nil {
		return "", err
	}
	der, err := keysource.CertificateFromKey(path, string(pw))
	clear(pw)
	if err != nil {
		return "", err
	}
	return keysource.SaveCertificate(filepath.Join(cfg.StateDir, "keys"), path, der)
}

// keyErrorText says what is wrong with a key in the user's terms.
func keyErrorText(err error) string {
	switch {
	case errors.Is(err, keyfile.ErrWrongPassword):
		return "wrong password"
	case errors.Is(err, keyfile.ErrDamaged):
		return fmt.Sprintf("the key file is damaged or not a key (%v)", err)
	case errors.Is(err, keyfile.ErrUnsupported):
		return fmt.Sprintf("this kind of key is not supported (%v)", err)
	case errors.Is(err, keysource.ErrNoCertificate):
		return "no certificate with the key: add it again with --cert FILE"
	}
	return err.Error()
}

func printSoftKey(w io.Writer, k keysource.KeyInfo, now time.Time) {
	row := func(label, value string) {
		if value != "" {
			fmt.Fprintf(w, "  %-13s %s\n", label+":", value)
		}
	}
	fmt.Fprintf(w, "Key %s\n", k.ID)
	row("Name", k.Name)
	row("Kind", k.Token().Model+" (software key, not a certified token)")
	row("Path", k.Path)
	how := "added"
	if !k.Added {
		how = "found"
	}
	row("Listed", how)
	if k.Err != nil {
		row("Problem", keyErrorText(k.Err))
		return
	}
	if k.PasswordNeeded {
		row("Password", "yes")
	} else {
		row("Password", "none")
	}
	row("Certificate", k.CertificateID)
	row("Owner", personName(k.Certificate.Subject))
	row("Organisation", k.Certificate.Subject.Organization)
	row("Valid", validityText(k.Certificate, now))
	row("Key", k.Certificate.KeyString())
}

// softKeyJSON is the --json form of a software key.
type softKeyJSON struct {
	ID             string `json:"id"`
	Kind           string `json:"kind"`
	Path           string `json:"path"`
	Name           string `json:"name"`
	Added          bool   `json:"added"`
	PasswordNeeded bool   `json:"password_needed"`
	CertificateID  string `json:"certificate_id,omitempty"`
	ValidNow       bool   `json:"valid_now,omitempty"`
	Problem        string `json:"problem,omitempty"`
}

func newSoftKeyJSON(k keysource.KeyInfo, now time.Time) softKeyJSON {
	j := softKeyJSON{ID: k.ID, Kind: string(k.Kind), Path: k.Path, Name: k.Name, Added: k.Added,
		PasswordNeeded: k.PasswordNeeded, CertificateID: k.CertificateID}
	if k.Err != nil {
		j.Problem = keyErrorText(k.Err)
	} else {
		j.ValidNow = k.Certificate.ValidAt(now) == nil
	}
	return j
}
