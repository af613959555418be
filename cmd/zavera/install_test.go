package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zavera/zavera/installer"
)

// debianLikeRoot is a folder with Debian's ca-certificates layout and one
// distribution CA, so that update-ca-certificates works under it.
func debianLikeRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"etc/ssl/certs", "usr/share/ca-certificates", "usr/local/share/ca-certificates", "etc/zavera"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	caDir := t.TempDir()
	if code, _, errOut := runCmd(t, nil, "tls", "--dir", caDir); code != 0 {
		t.Fatal(errOut)
	}
	ca, _ := os.ReadFile(filepath.Join(caDir, "ca.pem"))
	os.WriteFile(filepath.Join(root, "usr/share/ca-certificates/distro.crt"), ca, 0o644)
	os.WriteFile(filepath.Join(root, "etc/ca-certificates.conf"), []byte("distro.crt\n"), 0o644)
	return root
}

// 'zavera install --system' takes the portals from ROOT/etc/zavera/config.json
// for the browser policies; the doctor sees them; uninstall removes them.
func TestInstallSystemPoliciesFromConfiguration(t *testing.T) {
	root := debianLikeRoot(t)
	os.WriteFile(filepath.Join(root, "etc/zavera/config.json"),
		[]byte(`{"origins": ["https://lk.example.org", "https://portal.example.org:8443"]}`), 0o644)
	code, out, errOut := runCmd(t, nil, "install", "--system", "--root", root)
	if code != 0 {
		t.Fatalf("install: %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "system trust store (ca-certificates): added") || !strings.Contains(out, "Yandex Browser") {
		t.Errorf("install said:\n%s", out)
	}
	var pol map[string][]string
	data, err := os.ReadFile(filepath.Join(root, "etc/opt/chrome/policies/managed/zavera.json"))
	if err != nil || json.Unmarshal(data, &pol) != nil {
		t.Fatalf("Chrome policy: %v %s", err, data)
	}
	if got := strings.Join(pol["LocalNetworkAccessAllowedForUrls"], " "); got != "https://lk.example.org https://portal.example.org:8443" {
		t.Errorf("Chrome policy: %s", got)
	}
	_, r := runDoctorJSON(t, "--no-discovery", "--root", root, "--home", t.TempDir(), "--config", filepath.Join(t.TempDir(), "c.json"), "--port", "1")
	if len(r.Installation.Policies) != len(installer.PolicyBrowsers) || !r.LocalTLS.TrustedSystem {
		t.Errorf("doctor: %+v, trusted by system %v", r.Installation, r.LocalTLS.TrustedSystem)
	}
	if code, _, errOut := runCmd(t, nil, "uninstall", "--system", "--root", root, "--quiet"); code != 0 {
		t.Fatal(errOut)
	}
	if _, err := os.Stat(filepath.Join(root, "etc/opt/chrome/policies/managed/zavera.json")); !os.IsNotExist(err) {
		t.Errorf("policy left: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "var/lib/zavera")); !os.IsNotExist(err) {
		t.Errorf("local TLS left: %v", err)
	}

	// --no-browser-policies writes none.
	if code, _, errOut := runCmd(t, nil, "install", "--system", "--root", root, "--no-browser-policies", "--quiet"); code != 0 {
		t.Fatal(errOut)
	}
	if _, err := os.Stat(filepath.Join(root, "etc/chromium/policies")); !os.IsNotExist(err) {
		t.Errorf("policies written despite --no-browser-policies: %v", err)
	}
}

func TestInstallUsage(t *testing.T) {
	root := t.TempDir()
	for _, args := range [][]string{
		{"install", "extra"}, {"install", "--browser-policies", "--no-browser-policies"},
		{"uninstall", "--origin", "https://a.example"}, {"install", "--bogus"},
		{"install", "--system", "--root", root, "--origin", "http://insecure.example"},
	} {
		if code, _, errOut := runCmd(t, nil, args...); code != 2 {
			t.Errorf("%v: exit %d %q", args, code, errOut)
		}
	}
	if code, out, _ := runCmd(t, nil, "install", "--help"); code != 0 || !strings.Contains(out, "LocalNetworkAccessAllowedForUrls") {
		t.Errorf("--help: %d", code)
	}
	// No trust store under the root: a failed step, said clearly.
	code, _, errOut := runCmd(t, nil, "install", "--system", "--root", root, "--quiet")
	if code != 1 || !strings.Contains(errOut, "system trust store") {
		t.Errorf("no trust store: %d %q", code, errOut)
	}
}
