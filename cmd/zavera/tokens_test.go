package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/internal/pkcs11bench/provision"
)

// tokenCmd runs one of the token commands in-process.
func tokenCmd(t *testing.T, run func([]string, io.Reader, io.Writer, io.Writer) int, args ...string) (int, string, string) {
	t.Helper()
	var o, e bytes.Buffer
	code := run(args, strings.NewReader(""), &o, &e)
	return code, o.String(), e.String()
}

// tokenLab is a SoftHSM token with an ECDSA and an RSA key, and a GOST
// test token with 256- and 512-bit keys, each in a folder of the test's
// own.
type tokenLab struct {
	dir      string
	gostDir  string
	gostMod  string
	ec, rsa  *provision.Key
	g256     *provision.GOSTKey
	g512     *provision.GOSTKey
	pinFile  string
	badPIN   string
	softConf string
}

const (
	labSoftToken = "Zavera Soft"
	labGOSTToken = "Zavera GOST"
)

func newTokenLab(t *testing.T, gostTries int) *tokenLab {
	t.Helper()
	t.Setenv("ZAVERA_PKCS11_MODULES", "")
	l := &tokenLab{dir: t.TempDir()}
	var err error
	if l.softConf, err = provision.SoftHSMConfig(l.dir); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", l.softConf)
	if err := provision.SoftHSMToken(l.softConf, labSoftToken); err != nil {
		t.Fatal(err)
	}
	if l.ec, err = provision.ECDSA(provision.SoftHSMModule, labSoftToken, "ec", []byte{1}, l.dir); err != nil {
		t.Fatal(err)
	}
	if l.rsa, err = provision.RSA(provision.SoftHSMModule, labSoftToken, "rsa", []byte{2}, l.dir); err != nil {
		t.Fatal(err)
	}
	l.gostMod = filepath.Join(osslref.Root(t), "build", "libgosttoken.so")
	if _, err := os.Stat(l.gostMod); err != nil {
		t.Fatalf("the GOST test token is not built (%v): run make testtoken", err)
	}
	l.gostDir = filepath.Join(l.dir, "gost")
	if err := os.Mkdir(l.gostDir, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOSTTOKEN_DIR", l.gostDir)
	if err := provision.GOSTTokenConfig(l.gostDir, gostTries, "one"); err != nil {
		t.Fatal(err)
	}
	if err := provision.InitTokens(l.gostMod, labGOSTToken); err != nil {
		t.Fatal(err)
	}
	if l.g256, err = provision.GOST(l.gostMod, labGOSTToken, "g256", []byte("g256"), 256, "A", l.gostDir, osslref.Config(t)); err != nil {
		t.Fatal(err)
	}
	if l.g512, err = provision.GOST(l.gostMod, labGOSTToken, "g512", []byte("g512"), 512, "A", l.gostDir, osslref.Config(t)); err != nil {
		t.Fatal(err)
	}
	l.pinFile = filepath.Join(l.dir, "pin")
	l.badPIN = filepath.Join(l.dir, "bad-pin")
	if err := os.WriteFile(l.pinFile, []byte(provision.UserPIN+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(l.badPIN, []byte("00000000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return l
}

// modules are the options that load both modules and nothing else.
func (l *tokenLab) modules() []string {
	return []string{"--no-discovery", "--module", provision.SoftHSMModule, "--module=" + l.gostMod}
}

func TestTokensListsModulesTokensAndFailures(t *testing.T) {
	l := newTokenLab(t, 10)
	missing := filepath.Join(l.dir, "libnothere.so")
	code, out, errOut := tokenCmd(t, runTokens, append(l.modules(), "--json", "--module", missing)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		Modules []struct {
			Path, Description, Error string
		}
		Tokens []struct {
			Label, Serial, Model string
			PIN                  struct {
				LoginRequired bool `json:"login_required"`
				Locked        bool
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(res.Modules) != 3 || res.Modules[0].Error != "" || res.Modules[1].Error != "" ||
		res.Modules[2].Path != missing || !strings.Contains(res.Modules[2].Error, "module failed to load") {
		t.Fatalf("modules %+v", res.Modules)
	}
	labels := map[string]bool{}
	for _, tok := range res.Tokens {
		labels[tok.Label] = true
		if !tok.PIN.LoginRequired || tok.PIN.Locked || tok.Serial == "" {
			t.Errorf("token %+v", tok)
		}
	}
	if !labels[labSoftToken] || !labels[labGOSTToken] || len(res.Tokens) != 2 {
		t.Fatalf("tokens %+v", res.Tokens)
	}

	code, out, errOut = tokenCmd(t, runTokens, append(l.modules(), "--module", missing)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{`Token "` + labSoftToken + `"`, `Token "` + labGOSTToken + `"`, "failed:", missing, "PIN set, login required"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestTokenCommandsUsage(t *testing.T) {
	for _, tc := range []struct {
		run  func([]string, io.Reader, io.Writer, io.Writer) int
		args []string
		code int
	}{
		{runTokens, []string{"--help"}, 0},
		{runTokens, []string{"--bogus"}, 2},
		{runTokens, []string{"extra"}, 2},
		{runTokens, []string{"--module"}, 2},
		{runTokens, []string{"--json=yes"}, 2},
		{runCerts, []string{"-h"}, 0},
		{runCerts, []string{"--cert", "x"}, 2},
		{runSign, []string{"--help"}, 0},
		{runSign, []string{"file"}, 2},
		{runSign, []string{"--cert", "abc"}, 2},
		{runSign, []string{"--cert", "abc", "-o", "x.sig", "a", "b"}, 2},
		{runSign, []string{"--cert", "abc", "--no-discovery", filepath.Join(t.TempDir(), "missing.txt")}, 2},
		{runSign, []string{"--cert", "abc", "--no-discovery", "--pin-file", filepath.Join(t.TempDir(), "nopin"), "sign.go"}, 2},
	} {
		code, out, errOut := tokenCmd(t, tc.run, tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", tc.args, code, tc.code, out, errOut)
		}
		if tc.code == 0 && !strings.HasPrefix(out, "Usage: zavera") {
			t.Errorf("%v: no usage on stdout: %q", tc.args, out)
		}
	}
}
