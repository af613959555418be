package testtoken_test

import (
	"bytes"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/testtoken"
)

// TestOpenSCPkcs11Tool drives the module with OpenSC's pkcs11-tool, an
// independent PKCS#11 client: list, initialise, generate, sign, verify
// and its own --test.
func TestOpenSCPkcs11Tool(t *testing.T) {
	tool, err := exec.LookPath("pkcs11-tool")
	if err != nil {
		t.Fatalf("pkcs11-tool is missing (apt-get install opensc; make test installs it): %v", err)
	}
	module(t) // fails with "run make testtoken" when the module is missing
	so := filepath.Join(osslref.Root(t), "build", "libgosttoken.so")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "gosttoken.conf"), []byte("slot one\nslot two\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(tool, append([]string{"--module", so}, args...)...)
		cmd.Env = append(os.Environ(), "GOSTTOKEN_DIR="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("pkcs11-tool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	expect := func(out string, wants ...string) {
		t.Helper()
		for _, w := range wants {
			if !strings.Contains(out, w) {
				t.Errorf("output lacks %q:\n%s", w, out)
			}
		}
	}

	expect(run("--show-info"), "Zavera", "2.40")
	expect(run("--list-slots"), "Zavera GOST test slot one", "Zavera GOST test slot two", "uninitialized")
	expect(run("--list-mechanisms", "--slot", "0"),
		"GOSTR3410-KEY-PAIR-GEN", "GOSTR3410-512-KEY-PAIR-GEN", "GOSTR3410, keySize={256,256}",
		"GOSTR3410_512", "GOSTR3410-WITH-GOSTR3411-12-256", "GOSTR3411-12-512")
	run("--slot", "0", "--init-token", "--so-pin", soPIN, "--label", "pkcs11-tool")
	run("--slot", "0", "--login", "--login-type", "so", "--so-pin", soPIN, "--init-pin", "--pin", userPIN)
	login := []string{"--slot", "0", "--login", "--pin", userPIN}
	expect(run(append(login, "--keypairgen", "--key-type", "GOSTR3410-2012-256:A", "--id", "01", "--label", "k256")...),
		"GOSTR3410-2012-256", "never extractable")
	expect(run(append(login, "--keypairgen", "--key-type", "GOSTR3410-2012-512:B", "--id", "02", "--label", "k512")...),
		"GOSTR3410-2012-512")
	expect(run(append(login, "--list-objects")...), "Private Key Object; GOSTR3410-2012-256", "label:      k512")

	work := t.TempDir()
	for _, c := range []struct{ mech, id string }{{"GOSTR3410", "01"}, {"GOSTR3410_512", "02"}} {
		size := 32
		if c.id == "02" {
			size = 64
		}
		hash := make([]byte, size)
		rand.Read(hash)
		in, sig := filepath.Join(work, "hash"+c.id), filepath.Join(work, "sig"+c.id)
		if err := os.WriteFile(in, hash, 0o600); err != nil {
			t.Fatal(err)
		}
		run(append(login, "--sign", "--mechanism", c.mech, "--id", c.id, "--input-file", in, "--output-file", sig)...)
		if got, _ := os.ReadFile(sig); len(got) != 2*size {
			t.Fatalf("%s signature of %d bytes", c.mech, len(got))
		}
		expect(run(append(login, "--verify", "--mechanism", c.mech, "--id", c.id, "--input-file", in, "--signature-file", sig)...),
			"Signature is valid")
	}
	out := run(append(login, "--test")...)
	expect(out, "No errors")
	if strings.Contains(out, "ERR") || bytes.Contains([]byte(out), []byte("failed")) {
		t.Errorf("pkcs11-tool --test reports a failure:\n%s", out)
	}
}

// TestSharedWithAnotherProcess: a token changed by another process (here
// pkcs11-tool) is read again when this process has no session open on it,
// as a real token is shared by every application that uses it.
func TestSharedWithAnotherProcess(t *testing.T) {
	tool, err := exec.LookPath("pkcs11-tool")
	if err != nil {
		t.Fatalf("pkcs11-tool is missing (apt-get install opensc): %v", err)
	}
	tk := newToken(t, "")
	tk.initToken(0, "shared")
	other := func(args ...string) {
		t.Helper()
		cmd := exec.Command(tool, append([]string{"--module", testtoken.ModulePath(t), "--login", "--pin", userPIN}, args...)...)
		cmd.Env = append(os.Environ(), "GOSTTOKEN_DIR="+tk.dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("pkcs11-tool %v: %v\n%s", args, err, out)
		}
	}
	keys := func(s pkcs11.SessionHandle) int {
		return len(tk.find(s, pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY)))
	}

	other("--keypairgen", "--key-type", "GOSTR3410-2012-256:A", "--id", "01")
	s := tk.login(0)
	if n := keys(s); n != 1 {
		t.Fatalf("keys after another process made one: %d, want 1", n)
	}
	// While this process has a session open, the token stays as it was.
	other("--keypairgen", "--key-type", "GOSTR3410-2012-512:A", "--id", "02")
	if n := keys(s); n != 1 {
		t.Fatalf("keys during an open session: %d, want the session's view of 1", n)
	}
	if err := tk.p.CloseSession(s); err != nil {
		t.Fatal(err)
	}
	s = tk.login(0)
	if n := keys(s); n != 2 {
		t.Fatalf("keys after the session closed: %d, want 2", n)
	}
}
