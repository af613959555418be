//go:build linux

package installer

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/internal/osslref"
)

// NFPMVersion is the nfpm that builds the Linux packages (mk/packages.mk
// names the same).
const NFPMVersion = "v2.45.2"

// MaxLinuxPackage is the size a Linux package must stay under.
const MaxLinuxPackage = 25 << 20

// buildDeb builds the zavera, zavera-ui and zavera-host executables and the .deb from
// installer/linux/nfpm.yaml in a folder of the test's own.
func buildDeb(t *testing.T) string {
	t.Helper()
	root := osslref.Root(t)
	work := t.TempDir()
	stage := filepath.Join(work, "build", "packages", "stage")
	if err := os.MkdirAll(stage, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "installer"), filepath.Join(work, "installer")); err != nil {
		t.Fatal(err)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	// Built as the other tests build them, to share their build cache.
	for _, p := range []string{"zavera", "zavera-ui", "zavera-host"} {
		build := exec.Command(goTool, "build", "-ldflags=-s -w", "-o", filepath.Join(stage, p), "./cmd/"+p)
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build ./cmd/%s: %v\n%s", p, err, out)
		}
	}
	out := filepath.Join(work, "out")
	os.Mkdir(out, 0o755)
	nfpm := exec.Command(goTool, "run", "github.com/goreleaser/nfpm/v2/cmd/nfpm@"+NFPMVersion,
		"pkg", "-f", "installer/linux/nfpm.yaml", "-p", "deb", "-t", out)
	nfpm.Dir = work
	nfpm.Env = append(os.Environ(), "ZAVERA_VERSION=0.0.1~test", "ZAVERA_ARCH=amd64")
	if b, err := nfpm.CombinedOutput(); err != nil {
		t.Fatalf("nfpm: %v\n%s", err, b)
	}
	debs, _ := filepath.Glob(filepath.Join(out, "*.deb"))
	if len(debs) != 1 {
		t.Fatalf("packages built: %v", debs)
	}
	st, err := os.Stat(debs[0])
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() > MaxLinuxPackage {
		t.Errorf("the package is %d bytes, over %d", st.Size(), MaxLinuxPackage)
	}
	t.Logf("%s: %.1f MB", filepath.Base(debs[0]), float64(st.Size())/(1<<20))
	return debs[0]
}

// dpkg runs dpkg on the fresh root, its maintainer scripts outside a
// chroot with DPKG_ROOT set; the root has none of the dependencies.
func dpkg(t *testing.T, root string, args ...string) string {
	t.Helper()
	all := append([]string{"--root=" + root, "--force-script-chrootless", "--force-not-root", "--force-depends"}, args...)
	out, err := exec.Command("dpkg", all...).CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// startFromPTY starts a command with a new pseudo-terminal as its
// controlling terminal, as a login session would give it, and returns
// its first line of output.
func startFromPTY(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Fatalf("no pseudo-terminals: %v", err)
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatal(e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Fatal(e)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	go func() { // drain what the agent shows on its terminal
		buf := make([]byte, 4096)
		for {
			if _, err := m.Read(buf); err != nil {
				return
			}
		}
	}()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stdin, cmd.Stderr = s, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Scan()
		line <- sc.Text()
		for sc.Scan() {
		}
	}()
	select {
	case l := <-line:
		if l == "" {
			cmd.Wait()
			t.Fatalf("the agent did not start: %s", stderr.String())
		}
		return l
	case <-time.After(30 * time.Second):
		t.Fatalf("the agent did not start: %s", stderr.String())
	}
	return ""
}

// The .deb installed by dpkg into a fresh root: the agent starts from the
// installed files and answers on its port over wss:// with a certificate
// the root's system bundle trusts; the autostart entry, the trust-store
// entries, a user's Firefox profile and the browser policies are there;
// purge removes them all.
func TestDebInstallsRunsAndPurges(t *testing.T) {
	deb := buildDeb(t)
	root, profile, _ := debianRoot(t)
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out := dpkg(t, root, "-i", deb)
	if strings.Contains(out, "some set-up steps failed") {
		t.Fatalf("postinst:\n%s", out)
	}
	o := Options{Scope: System, Root: root}
	tlsDir := o.SystemTLSDir()
	caPEM, err := os.ReadFile(filepath.Join(tlsDir, "ca.pem"))
	if err != nil {
		t.Fatalf("no local CA after installing: %v\n%s", err, out)
	}
	entry, err := os.ReadFile(o.SystemAutostart())
	if err != nil || !strings.Contains(string(entry), "Exec=/usr/lib/zavera/zavera-session") {
		t.Fatalf("autostart entry: %v\n%s", err, entry)
	}
	if _, err := os.Stat(filepath.Join(root, "usr/lib/zavera/zavera-session")); err != nil {
		t.Fatal(err)
	}
	// The window program sits beside the agent, which finds it there.
	uiExe := filepath.Join(root, "usr/bin/zavera-ui")
	if st, err := os.Stat(uiExe); err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("zavera-ui: %v %v", st, err)
	}
	doctor := exec.Command(filepath.Join(root, "usr/bin/zavera"), "doctor", "--json", "--no-discovery", "--port", "1",
		"--config", filepath.Join(t.TempDir(), "config.json"), "--home", t.TempDir(), "--root", root)
	doctor.Env = append(os.Environ(), "PATH=/nonexistent", "ZAVERA_PKCS11_MODULES=")
	report, _ := doctor.Output()
	var r struct {
		UIProgram struct {
			Found bool
			Path  string
		} `json:"window_program"`
	}
	if err := json.Unmarshal(report, &r); err != nil || !r.UIProgram.Found || r.UIProgram.Path != uiExe {
		t.Fatalf("the installed doctor's window program %+v (%v):\n%s", r.UIProgram, err, report)
	}
	if has, bundle := o.SystemStoreHas(caPEM); !has {
		t.Fatalf("%s lacks the local CA", bundle)
	}
	if _, err := os.Lstat(filepath.Join(root, "etc/ssl/certs", CAFileName+".pem")); err != nil {
		t.Fatal(err)
	}
	if flags, same := nssTrust(t, profile, caPEM); flags != "C,," || !same {
		t.Errorf("the user's Firefox profile: trust %q, same %v", flags, same)
	}
	for _, b := range PolicyBrowsers {
		data, err := os.ReadFile(o.PolicyFile(b))
		if err != nil || !strings.Contains(string(data), "https://www.gosuslugi.ru") {
			t.Errorf("%s policy: %v %s", b.Name, err, data)
		}
	}

	// The installed agent, with the installed certificate, checked
	// against the root's system bundle only.
	cfgDir := t.TempDir()
	os.WriteFile(filepath.Join(cfgDir, "config.json"), []byte(`{"port": 0}`), 0o600)
	cmd := exec.Command(filepath.Join(root, "usr/bin/zavera"), "serve", "--headless", "--port", "0",
		"--config", filepath.Join(cfgDir, "config.json"),
		"--tls-cert", filepath.Join(tlsDir, "cert.pem"), "--tls-key", filepath.Join(tlsDir, "key.pem"))
	cmd.Env = append(os.Environ(), "ZAVERA_PKCS11_MODULES=")
	line := startFromPTY(t, cmd)
	f := strings.Fields(strings.TrimPrefix(line, "zavera: listening on "))
	if len(f) < 2 || !strings.HasPrefix(f[1], "wss://127.0.0.1:") {
		t.Fatalf("first line %q", line)
	}
	bundle, err := os.ReadFile(filepath.Join(root, "etc/ssl/certs/ca-certificates.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(bundle)
	d := &websocket.Dialer{HandshakeTimeout: 5 * time.Second, TLSClientConfig: &tls.Config{RootCAs: pool}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := agent.Probe(ctx, f[1]+"/", d); err != nil {
		t.Fatalf("the installed agent: %v", err)
	}
	for _, host := range []string{"localhost", "[::1]"} {
		url := strings.Replace(f[1], "127.0.0.1", host, 1) + "/"
		if _, err := agent.Probe(ctx, url, d); err != nil && !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("%s: %v", url, err)
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()

	dpkg(t, root, "--purge", "zavera")
	if has, _ := o.SystemStoreHas(caPEM); has {
		t.Error("the system bundle still holds the CA")
	}
	if flags, _ := nssTrust(t, profile, caPEM); flags != "" {
		t.Error("the user's Firefox profile still trusts the CA")
	}
	for _, p := range []string{"usr/bin/zavera", "usr/bin/zavera-ui", "usr/bin/zavera-host", "usr/lib/mozilla", "usr/lib/zavera", "etc/xdg/autostart/zavera.desktop", "etc/default/zavera",
		"var/lib/zavera", "etc/opt/chrome", "etc/chromium", "etc/opt/yandex", "etc/opt/edge", "usr/share/applications/zavera.desktop",
		"usr/local/share/ca-certificates/" + CAFileName + ".crt", "etc/ssl/certs/" + CAFileName + ".pem"} {
		if _, err := os.Lstat(filepath.Join(root, p)); !os.IsNotExist(err) {
			t.Errorf("%s left behind after purge (%v)", p, err)
		}
	}
}
