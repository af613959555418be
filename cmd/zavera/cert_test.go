package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zavera/zavera/internal/osslref"
)

func certCmd(t *testing.T, stdin []byte, args ...string) (int, string, string) {
	t.Helper()
	var o, e bytes.Buffer
	code := dispatch(append([]string{"cert"}, args...), bytes.NewReader(stdin), &o, &e)
	return code, o.String(), e.String()
}

func realworldFile(t *testing.T, name string) string {
	t.Helper()
	return filepath.Join(osslref.Root(t), "..", "shared", "realworld", name)
}

// opensslCertFacts returns OpenSSL's serial, SHA-1 fingerprint (no colons)
// and Streebog-256 of the certificate's DER.
func opensslCertFacts(t *testing.T, path string) (serial, sha1, streebog string) {
	t.Helper()
	form := "DER"
	if data, _ := os.ReadFile(path); bytes.HasPrefix(data, []byte("-----BEGIN")) {
		form = "PEM"
	}
	der := osslref.Run(t, nil, "x509", "-inform", form, "-in", path, "-outform", "DER")
	out := string(osslref.Run(t, der, "x509", "-inform", "DER", "-noout", "-serial", "-fingerprint", "-sha1"))
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, "serial="); ok {
			serial = strings.TrimLeft(v, "0")
		}
		if _, v, ok := strings.Cut(l, "Fingerprint="); ok {
			sha1 = strings.ReplaceAll(v, ":", "")
		}
	}
	d := string(osslref.Run(t, der, "dgst", "-md_gost12_256", "-r"))
	streebog, _, _ = strings.Cut(d, " ")
	return serial, sha1, streebog
}

func TestCertTextMatchesOpenSSL(t *testing.T) {
	path := realworldFile(t, "ca_root_minkomsvyaz-rossii_2018_gost2012-256.der")
	code, out, errOut := certCmd(t, nil, path)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	serial, sha1, streebog := opensslCertFacts(t, path)
	for _, want := range []string{
		"Owner:", "Минкомсвязь России",
		"INN (organisation, legacy form):", "007710474375 (check digits OK)",
		"OGRN:", "1047702026701 (check digits OK)",
		serial, sha1, streebog,
		"GOST R 34.10-2012 256, id-GostR3410-2001-CryptoPro-A-ParamSet",
		"keyCertSign, cRLSign", "KC1 (1.2.643.100.113.1)", "looks qualified",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCertJSON(t *testing.T) {
	path := realworldFile(t, "ee_esia-test-demo-org-57402_innle-ogrn.pem")
	code, out, errOut := certCmd(t, nil, "--json", path)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got []map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) != 1 {
		t.Fatalf("JSON %v: %s", err, out)
	}
	c := got[0]
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	wantKeys := []string{"extKeyUsage", "identifierChecks", "isCA", "issuer", "issuerSignTool", "keyAlgorithm", "keyBits",
		"keyParamSet", "keyParamSetName", "keyUsable", "keyUsage", "maxPathLen", "notAfter", "notBefore", "policies",
		"qualified", "serial", "signatureAlgorithm", "subject", "subjectSignTool", "thumbprintSHA1", "thumbprintStreebog256"}
	if !slices.Equal(keys, wantKeys) {
		t.Errorf("keys %v", keys)
	}
	serial, sha1, streebog := opensslCertFacts(t, path)
	if c["serial"] != serial || c["thumbprintSHA1"] != sha1 || c["thumbprintStreebog256"] != streebog {
		t.Errorf("serial/thumbprints %v %v %v, openssl %s %s %s", c["serial"], c["thumbprintSHA1"], c["thumbprintStreebog256"], serial, sha1, streebog)
	}
	subj := c["subject"].(map[string]any)
	if subj["innle"] != "0083937571" || subj["ogrn"] != "9586841250119" || subj["organizationINN"] != "0083937571" || subj["commonName"] != "Демо-организация 57402" {
		t.Errorf("subject %v", subj)
	}
	if c["keyAlgorithm"] != "GOST R 34.10-2012 256" || c["keyUsable"] != true || c["qualified"] != true || c["notBefore"] != "2025-02-12T00:00:00Z" {
		t.Errorf("key %v usable %v qualified %v notBefore %v", c["keyAlgorithm"], c["keyUsable"], c["qualified"], c["notBefore"])
	}
	checks := c["identifierChecks"].([]any)
	if len(checks) != 2 {
		t.Fatalf("identifier checks %v", checks)
	}
	for _, ch := range checks {
		m := ch.(map[string]any)
		// The test organisation's numbers are made up: OpenSSL cannot
		// tell, ruid can; whatever the verdict, it must come with a reason.
		if m["valid"] == false && m["error"] == "" {
			t.Errorf("invalid without a reason: %v", m)
		}
	}
	if bytes.Contains([]byte(out), []byte(`\u00`)) {
		t.Error("JSON escapes characters it need not")
	}
}

func TestCertFormatsAndStdin(t *testing.T) {
	a := realworldFile(t, "ca_tensor_2019_gost2012-256.der")
	b := realworldFile(t, "ca_root_minkomsvyaz-rossii_2018_gost2012-256.der")
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	pemBoth := append(osslref.Run(t, da, "x509", "-inform", "DER"), osslref.Run(t, db, "x509", "-inform", "DER")...)
	code, out, _ := certCmd(t, pemBoth, "--json", "-")
	var got []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || len(got) != 2 {
		t.Fatalf("two PEM certificates on stdin: exit %d, %d objects", code, len(got))
	}
	code, out, _ = certCmd(t, pemBoth, "-")
	if code != 0 || !strings.Contains(out, "Certificate 2 of 2") {
		t.Errorf("text of two certificates: exit %d\n%s", code, out)
	}
	code, out, _ = certCmd(t, []byte(base64.RawURLEncoding.EncodeToString(da)), "-")
	if code != 0 || !strings.Contains(out, `ООО "КОМПАНИЯ "ТЕНЗОР"`) {
		t.Errorf("URL-safe base64: exit %d\n%s", code, out)
	}
}

func TestCertBadUsage(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.cer")
	os.WriteFile(junk, []byte("not a certificate"), 0o644)
	good := realworldFile(t, "ca_tensor_2019_gost2012-256.der")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "exactly one FILE"},
		{[]string{good, good}, "exactly one FILE"},
		{[]string{"--pem", good}, "unknown option"},
		{[]string{filepath.Join(dir, "missing")}, "no such file"},
		{[]string{dir}, "is a directory"},
		{[]string{junk}, "malformed certificate"},
	} {
		code, out, errOut := certCmd(t, nil, tc.args...)
		if code != 2 || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", tc.args, code, out, errOut)
		}
	}
	if code, out, _ := certCmd(t, nil, "--help"); code != 0 || !strings.Contains(out, "Usage: zavera cert") {
		t.Errorf("--help: exit %d", code)
	}
}
