package cert

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/zavera/zavera/internal/osslref"
)

// realworldDir returns the folder of real certificates beside the module.
func realworldDir(t testing.TB) string {
	t.Helper()
	return filepath.Join(osslref.Root(t), "..", "shared", "realworld")
}

// realworldCerts returns the certificate files (ca_*, ee_*) of realworld.
func realworldCerts(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, pat := range []string{"ca_*", "ee_*"} {
		m, err := filepath.Glob(filepath.Join(realworldDir(t), pat))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	if len(files) < 10 {
		t.Fatalf("found only %d certificates in %s", len(files), realworldDir(t))
	}
	return files
}

// loadOne reads a file holding exactly one certificate.
func loadOne(t testing.TB, path string) *Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	certs, err := ParseAll(data)
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
	if len(certs) != 1 {
		t.Fatalf("%s: %d certificates, want 1", filepath.Base(path), len(certs))
	}
	return certs[0]
}

// realworldByPrefix loads the one realworld certificate whose file name
// starts with prefix.
func realworldByPrefix(t testing.TB, prefix string) *Certificate {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(realworldDir(t), prefix+"*"))
	if err != nil || len(m) != 1 {
		t.Fatalf("realworld %s*: %v matches (%v)", prefix, len(m), err)
	}
	return loadOne(t, m[0])
}

// opensslText returns `openssl x509 -text` of the certificate with names
// printed one attribute a line as OID=value in UTF-8.
func opensslText(t testing.TB, der []byte) string {
	t.Helper()
	out := osslref.Run(t, der, "x509", "-inform", "DER", "-noout", "-text",
		"-nameopt", "sep_multiline,oid,utf8", "-certopt", "no_sigdump",
		"-subject", "-issuer", "-serial", "-startdate", "-enddate")
	return string(out)
}

// opensslNameLines returns the attribute lines OpenSSL prints after label
// ("subject=" or "issuer=") in sep_multiline mode.
func opensslNameLines(t testing.TB, text, label string) []string {
	t.Helper()
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if l != label {
			continue
		}
		var attrs []string
		for _, a := range lines[i+1:] {
			if !strings.HasPrefix(a, "    ") {
				break
			}
			attrs = append(attrs, strings.TrimPrefix(a, "    "))
		}
		return attrs
	}
	t.Fatalf("no %q in openssl output", label)
	return nil
}

// opensslField returns the text after the first line starting with
// prefix (after trimming spaces), and the lines following it that are
// indented deeper.
func opensslField(text, prefix string) (value string, more []string, ok bool) {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		trimmed := strings.TrimSpace(l)
		if !strings.HasPrefix(trimmed, prefix) {
			continue
		}
		indent := len(l) - len(strings.TrimLeft(l, " "))
		for _, m := range lines[i+1:] {
			if len(m)-len(strings.TrimLeft(m, " ")) <= indent || strings.TrimSpace(m) == "" {
				break
			}
			more = append(more, strings.TrimSpace(m))
		}
		return strings.TrimSpace(strings.TrimPrefix(trimmed, prefix)), more, true
	}
	return "", nil, false
}
