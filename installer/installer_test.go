//go:build linux

package installer

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/zavera/zavera/agent/localtls"
)

// firefoxProfile makes an empty Firefox profile database under home.
func firefoxProfile(t *testing.T, home, name string) string {
	t.Helper()
	dir := filepath.Join(home, ".mozilla", "firefox", name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	certutil(t, "-N", "-d", "sql:"+dir, "--empty-password")
	return dir
}

func certutil(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("certutil", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("certutil %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// nssTrust returns the trust flags of Zavera's CA in the database and
// whether its certificate is caPEM's, read with certutil itself.
func nssTrust(t *testing.T, dir string, caPEM []byte) (flags string, same bool) {
	t.Helper()
	for _, line := range strings.Split(certutil(t, "-L", "-d", "sql:"+dir), "\n") {
		if strings.HasPrefix(line, Nickname+" ") {
			f := strings.Fields(line)
			flags = f[len(f)-1]
		}
	}
	if flags == "" {
		return "", false
	}
	out, err := exec.Command("certutil", "-L", "-d", "sql:"+dir, "-n", Nickname, "-a").Output()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := pem.Decode(out)
	want, _ := pem.Decode(caPEM)
	return flags, got != nil && want != nil && bytes.Equal(got.Bytes, want.Bytes)
}

func opensslVerify(t *testing.T, caFile, certFile string) error {
	t.Helper()
	out, err := exec.Command("openssl", "verify", "-CAfile", caFile, "-verify_ip", "127.0.0.1", "-purpose", "sslserver", certFile).CombinedOutput()
	if err != nil {
		return errors.New(string(out))
	}
	return nil
}

func TestUserInstallAndUninstall(t *testing.T) {
	root, home := t.TempDir(), t.TempDir()
	ff := firefoxProfile(t, home, "abcd.default-release")
	var log bytes.Buffer
	o := Options{Scope: User, Root: root, Home: home, Exe: "/opt/zavera/bin/zavera", Log: &log}
	if err := Install(o); err != nil {
		t.Fatalf("install: %v\n%s", err, log.String())
	}
	tlsDir := filepath.Join(home, ".local", "state", "zavera", "tls")
	if o.TLSDir() != tlsDir {
		t.Fatalf("TLS folder %s, want %s", o.TLSDir(), tlsDir)
	}
	caFile := filepath.Join(tlsDir, localtls.CAFile)
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := opensslVerify(t, caFile, filepath.Join(tlsDir, localtls.CertFile)); err != nil {
		t.Fatalf("OpenSSL does not accept the loopback certificate: %v", err)
	}
	chromium := filepath.Join(home, ".pki", "nssdb")
	for _, db := range []string{ff, chromium} {
		flags, same := nssTrust(t, db, caPEM)
		if flags != "C,," || !same {
			t.Errorf("%s: trust %q, same certificate %v", db, flags, same)
		}
	}
	entry, err := os.ReadFile(filepath.Join(home, ".config", "autostart", DesktopFileName))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(entry, []byte("\nExec=/opt/zavera/bin/zavera serve --tls\n")) {
		t.Errorf("autostart entry:\n%s", entry)
	}

	// Again: same CA, one certificate per database.
	if err := Install(o); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(caFile)
	if !bytes.Equal(again, caPEM) {
		t.Error("a second install made a new CA")
	}
	out := certutil(t, "-L", "-d", "sql:"+ff)
	if n := strings.Count(out, Nickname); n != 1 {
		t.Errorf("%d entries after installing twice:\n%s", n, out)
	}

	log.Reset()
	if err := Uninstall(o); err != nil {
		t.Fatalf("uninstall: %v", err)
	}
	for _, db := range []string{ff, chromium} {
		if flags, _ := nssTrust(t, db, caPEM); flags != "" {
			t.Errorf("%s still trusts the CA (%s)", db, flags)
		}
	}
	for _, p := range []string{tlsDir, filepath.Join(home, ".config", "autostart", DesktopFileName)} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind (%v)", p, err)
		}
	}
}

// debianRoot makes the files of Debian's ca-certificates under a fresh
// root, with one user whose Firefox profile belongs to them.
func debianRoot(t *testing.T) (root, profile string, uid int) {
	t.Helper()
	root = t.TempDir()
	for _, d := range []string{"etc/ssl/certs", "usr/share/ca-certificates", "usr/local/share/ca-certificates", "etc/ca-certificates/update.d", "home"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// One CA of the distribution, as on a real system: the bundle is
	// rebuilt only when it keeps at least one certificate.
	if err := os.WriteFile(filepath.Join(root, "usr/share/ca-certificates/distro-root.crt"), otherCA(t), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/ca-certificates.conf"), []byte("distro-root.crt\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(root, "home", "alice")
	profile = firefoxProfile(t, home, "x1y2.default")
	uid = 4321
	if os.Geteuid() == 0 {
		// The user must reach their home, as under /home on a real system.
		os.Chmod(root, 0o755)
		os.Chmod(filepath.Dir(root), 0o755)
		filepath.Walk(home, func(p string, _ os.FileInfo, _ error) error { return os.Lchown(p, uid, uid) })
	} else {
		uid = os.Geteuid()
	}
	return root, profile, uid
}

func TestSystemInstallAndUninstall(t *testing.T) {
	root, profile, uid := debianRoot(t)
	var log bytes.Buffer
	o := Options{Scope: System, Root: root, BrowserPolicies: true, Log: &log,
		Origins: []string{"https://www.gosuslugi.ru", "https://Portal.Example.org:8443/"}}
	if err := Install(o); err != nil {
		t.Fatalf("install: %v\n%s", err, log.String())
	}
	tlsDir := filepath.Join(root, "var/lib/zavera/tls")
	caPEM, err := os.ReadFile(filepath.Join(tlsDir, localtls.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(root, "etc/ssl/certs/ca-certificates.crt")
	if err := opensslVerify(t, bundle, filepath.Join(tlsDir, localtls.CertFile)); err != nil {
		t.Fatalf("the system bundle does not make the loopback certificate trusted: %v\n%s", err, log.String())
	}
	if has, _ := o.SystemStoreHas(caPEM); !has {
		t.Error("SystemStoreHas says no")
	}
	if st, err := os.Stat(filepath.Join(tlsDir, localtls.KeyFile)); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("loopback key: %v %v", st.Mode(), err)
	}
	if flags, same := nssTrust(t, profile, caPEM); flags != "C,," || !same {
		t.Errorf("user's Firefox profile: trust %q, same %v", flags, same)
	}
	st, err := os.Stat(filepath.Join(profile, "cert9.db"))
	if err != nil || int(st.Sys().(*syscall.Stat_t).Uid) != uid {
		t.Errorf("the profile's database no longer belongs to its user: %v", err)
	}
	for _, b := range PolicyBrowsers {
		data, err := os.ReadFile(o.PolicyFile(b))
		if err != nil {
			t.Fatal(err)
		}
		var pol map[string][]string
		if err := json.Unmarshal(data, &pol); err != nil {
			t.Fatal(err)
		}
		got := strings.Join(pol["LocalNetworkAccessAllowedForUrls"], " ")
		if got != "https://www.gosuslugi.ru https://portal.example.org:8443" {
			t.Errorf("%s: %s", b.Name, data)
		}
	}

	if err := Uninstall(o); err != nil {
		t.Fatalf("uninstall: %v", err)
	}
	if has, _ := o.SystemStoreHas(caPEM); has {
		t.Error("the CA is still in the system bundle")
	}
	if flags, _ := nssTrust(t, profile, caPEM); flags != "" {
		t.Error("the CA is still in the user's Firefox profile")
	}
	for _, p := range []string{"var/lib/zavera", "etc/opt/chrome", "etc/chromium", "etc/opt/yandex", "etc/opt/edge",
		"usr/local/share/ca-certificates/" + CAFileName + ".crt", "etc/ssl/certs/" + CAFileName + ".pem"} {
		if _, err := os.Lstat(filepath.Join(root, p)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind (%v)", p, err)
		}
	}
}

func TestPolicyURLsRefuseNonOrigins(t *testing.T) {
	for _, o := range []string{"http://www.gosuslugi.ru", "https://a.ru/path", "https://u:p@a.ru", "https://*.a.ru",
		"https://a.ru?x=1", "javascript:alert(1)", "", "https://"} {
		if _, err := PolicyURLs([]string{o}); !errors.Is(err, ErrBadOrigin) {
			t.Errorf("%q: %v", o, err)
		}
	}
	if _, err := PolicyJSON([]string{"https://ok.ru", "ftp://no"}); !errors.Is(err, ErrBadOrigin) {
		t.Errorf("PolicyJSON took a bad origin: %v", err)
	}
}

func TestSystemInstallNeedsATrustStore(t *testing.T) {
	o := Options{Scope: System, Root: t.TempDir()}
	err := Install(o)
	var se *StepError
	if !errors.Is(err, ErrToolMissing) || !errors.As(err, &se) || se.Step != "system trust store" {
		t.Fatalf("got %v", err)
	}
}

// Root installing for another user follows no link in their home.
func TestUserInstallAsRootRefusesLinks(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: this is what root does in another user's home")
	}
	base := t.TempDir()
	os.Chmod(base, 0o755)
	home, target := filepath.Join(base, "home"), filepath.Join(base, "elsewhere")
	os.Mkdir(home, 0o755)
	os.Mkdir(target, 0o755)
	if err := os.Symlink(target, filepath.Join(home, ".config")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{home, filepath.Join(home, ".config")} {
		os.Lchown(p, 4321, 4321)
	}
	err := Install(Options{Scope: User, Root: t.TempDir(), Home: home, Exe: "/usr/bin/zavera"})
	if !errors.Is(err, errSymlink) {
		t.Fatalf("got %v", err)
	}
	if entries, _ := os.ReadDir(target); len(entries) != 0 {
		t.Fatalf("wrote through the link: %v", entries)
	}
}
