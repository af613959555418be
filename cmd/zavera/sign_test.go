package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/internal/pkcs11bench/provision"
	"github.com/zavera/zavera/pkcs11"
	"github.com/zavera/zavera/ui/i18n"
)

// opensslVerifies reports whether openssl accepts a detached (content
// given) or attached (content "") CAdES signature.
func opensslVerifies(t *testing.T, sig, content, caPEM string) bool {
	t.Helper()
	args := []string{"cms", "-verify", "-binary", "-inform", "DER", "-in", sig, "-CAfile", caPEM, "-purpose", "any", "-out", os.DevNull}
	if content != "" {
		args = append(args, "-content", content)
	}
	_, errOut, err := osslref.Try(t, nil, args...)
	if err != nil {
		t.Logf("openssl: %s", errOut)
	}
	return err == nil
}

func writeDocs(t *testing.T, dir string, n int) []string {
	t.Helper()
	var files []string
	for i := 0; i < n; i++ {
		p := filepath.Join(dir, fmt.Sprintf("отчёт-%d.txt", i))
		if err := os.WriteFile(p, []byte(fmt.Sprintf("квартальный отчёт %d\r\n", i)), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	return files
}

func TestSignFilesWithEveryKeyVerifiedByOpenSSL(t *testing.T) {
	l := newTokenLab(t, 10)
	for _, k := range []struct {
		name string
		der  []byte
		pem  string
	}{{"gost256", l.g256.CertDER, l.g256.CertPEM}, {"gost512", l.g512.CertDER, l.g512.CertPEM}, {"ecdsa", l.ec.CertDER, l.ec.CertPEM}, {"rsa", l.rsa.CertDER, l.rsa.CertPEM}} {
		t.Run(k.name, func(t *testing.T) {
			files := writeDocs(t, t.TempDir(), 3)
			args := append(l.modules(), "--cert", pkcs11.CertificateID(k.der), "--pin-file", l.pinFile)
			code, out, errOut := tokenCmd(t, runSign, append(args, files...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s%s", code, out, errOut)
			}
			for _, f := range files {
				if !strings.Contains(out, f+": signed, "+f+".sig") {
					t.Errorf("output lacks %s:\n%s", f, out)
				}
				if !opensslVerifies(t, f+".sig", f, k.pem) {
					t.Fatalf("%s.sig does not verify", f)
				}
			}
			// The signature of one file does not verify another.
			if opensslVerifies(t, files[0]+".sig", files[1], k.pem) {
				t.Fatal("a signature verified over another file")
			}
			// Attached, to a named output.
			out1 := filepath.Join(t.TempDir(), "attached.p7s")
			code, _, errOut = tokenCmd(t, runSign, append(args, "--attached", "-o", out1, files[0])...)
			if code != 0 {
				t.Fatalf("attached: exit %d: %s", code, errOut)
			}
			if !opensslVerifies(t, out1, "", k.pem) {
				t.Fatal("attached signature does not verify")
			}
		})
	}
}

func TestSignWrongPINStopsTheBatch(t *testing.T) {
	l := newTokenLab(t, 3)
	dir := t.TempDir()
	files := writeDocs(t, dir, 3)
	args := append(l.modules(), "--cert", pkcs11.CertificateID(l.g256.CertDER))
	code, _, errOut := tokenCmd(t, runSign, append(append(args, "--pin-file", l.badPIN), files...)...)
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errOut)
	}
	// One try only, not one per file: the batch stops at the first.
	if strings.Count(errOut, "PIN incorrect") != 1 || !strings.Contains(errOut, "2 more file(s) not signed") {
		t.Fatalf("stderr: %s", errOut)
	}
	for _, f := range files {
		if _, err := os.Stat(f + ".sig"); err == nil {
			t.Fatalf("%s.sig written after a wrong PIN", f)
		}
	}
	code, _, errOut = tokenCmd(t, runSign, append(append(args, "--pin-file", l.badPIN), files[0])...)
	if code != 1 || !strings.Contains(errOut, "one try left") {
		t.Fatalf("second wrong PIN: exit %d: %s", code, errOut)
	}
	code, _, errOut = tokenCmd(t, runSign, append(append(args, "--pin-file", l.badPIN), files[0])...)
	if code != 1 || !strings.Contains(errOut, "PIN locked") {
		t.Fatalf("third wrong PIN: exit %d: %s", code, errOut)
	}
	code, _, errOut = tokenCmd(t, runSign, append(append(args, "--pin-file", l.pinFile), files[0])...)
	if code != 1 || !strings.Contains(errOut, "PIN locked") {
		t.Fatalf("right PIN on a locked token: exit %d: %s", code, errOut)
	}
}

func TestSignDeviceErrorThenRetryWorks(t *testing.T) {
	l := newTokenLab(t, 10)
	files := writeDocs(t, t.TempDir(), 3)
	if err := os.WriteFile(filepath.Join(l.gostDir, "control"), []byte("fail_sign = 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := append(l.modules(), "--cert", pkcs11.CertificateID(l.g512.CertDER), "--pin-file", l.pinFile)
	code, _, errOut := tokenCmd(t, runSign, append(args, files...)...)
	if code != 1 || !strings.Contains(errOut, "device error") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !opensslVerifies(t, files[0]+".sig", files[0], l.g512.CertPEM) {
		t.Fatal("the file signed before the fault does not verify")
	}
	if _, err := os.Stat(files[1] + ".sig"); err == nil {
		t.Fatal("a signature was written for the failed file")
	}
	if err := os.WriteFile(filepath.Join(l.gostDir, "control"), []byte("# no faults\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = tokenCmd(t, runSign, append(args, files...)...)
	if code != 0 {
		t.Fatalf("retry: exit %d: %s", code, errOut)
	}
	for _, f := range files {
		if !opensslVerifies(t, f+".sig", f, l.g512.CertPEM) {
			t.Fatalf("%s.sig does not verify", f)
		}
	}
}

func TestSignRemovedTokenIsReported(t *testing.T) {
	l := newTokenLab(t, 10)
	files := writeDocs(t, t.TempDir(), 1)
	if err := os.WriteFile(filepath.Join(l.gostDir, "control"), []byte("present = 0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := append(l.modules(), "--cert", pkcs11.CertificateID(l.g256.CertDER), "--pin-file", l.pinFile)
	code, _, errOut := tokenCmd(t, runSign, append(args, files...)...)
	if code != 1 || !strings.Contains(errOut, "certificate not found") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestSignProgressBar(t *testing.T) {
	var b strings.Builder
	p := newProgress(&b, 4, i18n.English)
	p.show(1, "x")
	if p.on || b.Len() != 0 {
		t.Fatal("progress drawn on a non-terminal")
	}
	p.on = true
	p.show(2, "отчёт.txt")
	p.clear()
	p.done(3)
	out := b.String()
	for _, want := range []string{"[" + strings.Repeat("#", 15) + strings.Repeat(".", 15) + "] 2/4 отчёт.txt", "\r\x1b[K3 of 4 files signed\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("progress output %q lacks %q", out, want)
		}
	}
}

func TestPINFileFirstLineOnly(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "pin")
	if err := os.WriteFile(f, []byte("12345678\r\nsecond line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := newPINSource(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := src.get(pkcs11.PINRequest{})
	if err != nil || string(got) != "12345678" {
		t.Fatalf("PIN %q, %v", got, err)
	}
	// The caller wipes what it got; the source keeps its own copy.
	for i := range got {
		got[i] = 0
	}
	again, _ := src.get(pkcs11.PINRequest{})
	if string(again) != "12345678" {
		t.Fatalf("second PIN %q", again)
	}
	src.wipe()
	if strings.Trim(string(src.pin), "\x00") != "" {
		t.Fatal("PIN not wiped")
	}
}

// TestSignAsksPINOnTheTerminal runs the real binary under a pseudo
// terminal (util-linux script): the PIN is typed once for three files,
// is not echoed, and the progress bar is drawn.
func TestSignAsksPINOnTheTerminal(t *testing.T) {
	l := newTokenLab(t, 10)
	bin := filepath.Join(t.TempDir(), "zavera")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	files := writeDocs(t, t.TempDir(), 3)
	args := append([]string{bin, "sign"}, l.modules()...)
	args = append(args, "--cert", pkcs11.CertificateID(l.g256.CertDER))
	args = append(args, files...)
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	cmd := exec.Command("script", "-qec", strings.Join(quoted, " "), os.DevNull)
	cmd.Env = os.Environ()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	watchdog := time.AfterFunc(time.Minute, func() { cmd.Process.Kill() })
	defer watchdog.Stop()
	// Type the PIN when it is asked for, as a person would: typed
	// earlier, the terminal would echo it before the prompt turns echo
	// off.
	var all []byte
	buf := make([]byte, 4096)
	typed := false
	for {
		n, rerr := stdout.Read(buf)
		all = append(all, buf[:n]...)
		if !typed && strings.Contains(string(all), "PIN for token") {
			io.WriteString(stdin, provision.UserPIN+"\n")
			typed = true
		}
		if rerr != nil {
			break
		}
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v\n%s", err, all)
	}
	out := all
	text := string(out)
	if strings.Count(text, "PIN for token") != 1 {
		t.Fatalf("PIN asked %d times:\n%s", strings.Count(text, "PIN for token"), text)
	}
	if strings.Contains(text, provision.UserPIN) {
		t.Fatalf("the PIN was echoed:\n%q", text)
	}
	if !strings.Contains(text, "3 of 3 files signed") || !strings.Contains(text, "] 1/3 отчёт-1.txt") {
		t.Fatalf("no progress bar:\n%q", text)
	}
	for _, f := range files {
		if !opensslVerifies(t, f+".sig", f, l.g256.CertPEM) {
			t.Fatalf("%s.sig does not verify", f)
		}
	}
}
