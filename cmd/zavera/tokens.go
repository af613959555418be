package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/pkcs11"
)

const tokensUsage = `Usage: zavera tokens [--module PATH]... [--no-discovery] [--json]

Lists the PKCS#11 modules found (and those that failed to load, with the
reason), and the tokens in their slots with the state of the PIN.

  --module PATH    load this module too; repeatable. Modules are also
                   taken from ZAVERA_PKCS11_MODULES (a PATH-style list)
                   and found in the usual folders of the token vendors.
  --no-discovery   load only the modules named by --module and
                   ZAVERA_PKCS11_MODULES.
  --json           print JSON.

Exit status: 0 listed, 1 a module failed to answer, 2 bad usage.`

// tokenArgs are the options of the token commands (tokens, certs, sign).
type tokenArgs struct {
	modules     []string
	noDiscovery bool
	json        bool
	cert        string
	attached    bool
	pinFile     string
	login       bool
	out         string
	operands    []string
	// token, passwordFile and yes are for 'keys move'.
	token        string
	passwordFile string
	yes          bool
}

var errTokenHelp = errors.New("help")

// parseTokenArgs reads the options named in valued (taking a value) and
// flags (taking none), wherever they appear among the operands.
func parseTokenArgs(args []string, valued, flags []string) (*tokenArgs, error) {
	a := &tokenArgs{}
	has := func(list []string, name string) bool {
		for _, n := range list {
			if n == name {
				return true
			}
		}
		return false
	}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			a.operands = append(a.operands, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(arg, "-") || arg == "-" {
			a.operands = append(a.operands, arg)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		switch {
		case name == "h" || name == "help":
			return nil, errTokenHelp
		case has(valued, name):
			if !hasValue {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("%s needs a value", arg)
				}
				i++
				value = args[i]
			}
			if value == "" {
				return nil, fmt.Errorf("%s needs a value", arg)
			}
			switch name {
			case "module":
				a.modules = append(a.modules, value)
			case "cert":
				a.cert = value
			case "pin-file":
				a.pinFile = value
			case "o":
				a.out = value
			case "token":
				a.token = value
			case "password-file":
				a.passwordFile = value
			}
		case has(flags, name):
			if hasValue {
				return nil, fmt.Errorf("%s takes no value", arg)
			}
			switch name {
			case "json":
				a.json = true
			case "no-discovery":
				a.noDiscovery = true
			case "attached":
				a.attached = true
			case "yes":
				a.yes = true
			case "login":
				a.login = true
			}
		default:
			return nil, fmt.Errorf("unknown option %s", arg)
		}
	}
	return a, nil
}

// openTokens opens the PKCS#11 modules the options name or discovery
// finds, each in a host process of its own as the agent does.
func openTokens(a *tokenArgs) (*pkcs11.Manager, error) {
	return pkcs11.Open(pkcs11.Options{Modules: a.modules, NoDiscovery: a.noDiscovery,
		Isolate: moduleIsolation(agent.ModuleHosts{}, nil)})
}

// runTokens implements `zavera tokens`.
func runTokens(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a, err := parseTokenArgs(args, []string{"module"}, []string{"json", "no-discovery"})
	if errors.Is(err, errTokenHelp) {
		fmt.Fprintln(stdout, tokensUsage)
		return 0
	}
	if err == nil && len(a.operands) > 0 {
		err = fmt.Errorf("unexpected argument %q", a.operands[0])
	}
	if err != nil {
		fmt.Fprintf(stderr, "zavera tokens: %v\n\n%s\n", err, tokensUsage)
		return 2
	}
	m, err := openTokens(a)
	if err != nil {
		fmt.Fprintf(stderr, "zavera tokens: %v\n", err)
		return 1
	}
	defer m.Close()
	toks, listErr := m.Tokens()
	if a.json {
		out := tokensJSON{Modules: modulesJSON(m.Modules()), Tokens: toks}
		if out.Tokens == nil {
			out.Tokens = []pkcs11.Token{}
		}
		if listErr != nil {
			out.Error = listErr.Error()
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(stderr, "zavera tokens: %v\n", err)
			return 1
		}
	} else {
		printModules(stdout, m.Modules())
		fmt.Fprintln(stdout)
		if len(toks) == 0 {
			fmt.Fprintln(stdout, "No tokens found. Insert a token, or name its module with --module.")
		}
		for i, t := range toks {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			printToken(stdout, t)
		}
	}
	if listErr != nil {
		fmt.Fprintf(stderr, "zavera tokens: %v\n", listErr)
		return 1
	}
	return 0
}

type tokensJSON struct {
	Modules []moduleJSON   `json:"modules"`
	Tokens  []pkcs11.Token `json:"tokens"`
	Error   string         `json:"error,omitempty"`
}

type moduleJSON struct {
	pkcs11.Module
	Error string `json:"error,omitempty"`
}

func modulesJSON(mods []pkcs11.Module) []moduleJSON {
	out := make([]moduleJSON, len(mods))
	for i, m := range mods {
		out[i].Module = m
		if m.Err != nil {
			out[i].Error = m.Err.Error()
		}
	}
	return out
}

func printModules(w io.Writer, mods []pkcs11.Module) {
	if len(mods) == 0 {
		fmt.Fprintln(w, "No PKCS#11 modules found. Install your token's driver, or name its module with --module.")
		return
	}
	fmt.Fprintln(w, "Modules:")
	for _, m := range mods {
		if m.Err != nil {
			fmt.Fprintf(w, "  %s\n    failed: %v\n", m.Path, m.Err)
			continue
		}
		fmt.Fprintf(w, "  %s\n    %s, %s, version %s\n", m.Path, m.Description, m.Manufacturer, m.Version)
	}
}

// pinStateText describes the PIN state for people.
func pinStateText(p pkcs11.PINState) string {
	var parts []string
	switch {
	case p.Locked:
		parts = append(parts, "PIN locked")
	case p.FinalTry:
		parts = append(parts, "one PIN try left")
	case p.CountLow:
		parts = append(parts, "PIN tries running low")
	}
	if !p.Initialized {
		parts = append(parts, "PIN not set")
	}
	if p.PINPad {
		parts = append(parts, "PIN pad")
	}
	if !p.LoginRequired {
		parts = append(parts, "no login needed")
	}
	if len(parts) == 0 {
		return "PIN set, login required"
	}
	return strings.Join(parts, ", ")
}

func printToken(w io.Writer, t pkcs11.Token) {
	row := func(label, value string) {
		if value != "" {
			fmt.Fprintf(w, "  %-13s %s\n", label+":", value)
		}
	}
	fmt.Fprintf(w, "Token %q\n", t.Label)
	row("ID", t.ID)
	row("Manufacturer", t.Manufacturer)
	row("Model", t.Model)
	row("Serial", t.Serial)
	row("Slot", fmt.Sprintf("%d (%s)", t.Slot, t.SlotDescription))
	row("Module", t.Module)
	row("PIN", pinStateText(t.PIN))
	if t.CertificatesAfterLogin {
		row("Certificates", "after login: 'zavera certs --login'")
	}
}
