package agent_test

import (
	"errors"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/zavera/zavera/agent"
)

func TestParseOrigin(t *testing.T) {
	good := map[string]string{
		"https://portal.example":         "https://portal.example",
		"HTTPS://Portal.EXAMPLE:443":     "https://portal.example",
		"https://portal.example:8443":    "https://portal.example:8443",
		"https://portal.example/":        "https://portal.example",
		"http://127.0.0.1:8080":          "http://127.0.0.1:8080",
		"http://127.0.0.1:80":            "http://127.0.0.1",
		"https://[::1]:8443":             "https://[::1]:8443",
		"https://xn--80ajghhoc.xn--p1ai": "https://xn--80ajghhoc.xn--p1ai",
		"https://esia.gosuslugi.ru":      "https://esia.gosuslugi.ru",
	}
	for in, want := range good {
		got, err := agent.ParseOrigin(in)
		if err != nil || got != want {
			t.Errorf("ParseOrigin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "null", "portal.example", "ftp://portal.example", "https://", "https://a.example/x",
		"https://a.example?x", "https://a.example#x", "https://u:p@a.example", "https://a.example:0", "https://a.example:99999",
		"https://a.example:x", "https://пример.рф", "https://a.example\x00", "javascript:alert(1)", "https:a.example"} {
		if o, err := agent.ParseOrigin(bad); err == nil || !errors.Is(err, agent.ErrOriginNotAllowed) {
			t.Errorf("ParseOrigin(%q) = %q, %v", bad, o, err)
		}
	}
}

// Origins that url.Parse would read as another host than the one shown:
// %-escapes (decoded once in a host, so that the canonical form reads
// differently again), non-ASCII hosts, IPv6 zones, backslashes.
func TestParseOriginRefusesEscapes(t *testing.T) {
	for _, bad := range []string{
		"https://a%25C3%25A9.example",   // shown as a%C3%A9, decoded to é the next time
		"https://a%C3%A9.example",       // é, escaped
		"https://a%c3%a9.example",       //
		"https://%61.example",           // an escaped ASCII letter
		"https://a.example%2F",          //
		"https://[fe80::1%25eth0]",      // an IPv6 zone
		"https://[fe80::1%25eth0]:8443", //
		"https://a\\b.example",          // a backslash, a path separator to some parsers
		"https://a.example\\",           //
		"https://aé.example",            // non-ASCII host
		"https://a\u200b.example",       // an invisible character
		"https://a*b.example",           // not a host name character
		"https://a!b.example",           //
		"https://[1.2.3.4]",             // brackets around an IPv4 address
		"https://[v1.x]",                // an IP future literal
		"https://a.example@b.example",   // user information: which host is it?
		"https:\\\\a.example",           // backslashes for slashes
		"https:/a.example",              // no authority
		"https://a.example;b",           //
	} {
		if o, err := agent.ParseOrigin(bad); err == nil || !errors.Is(err, agent.ErrOriginNotAllowed) {
			t.Errorf("ParseOrigin(%q) = %q, %v; want refused", bad, o, err)
		}
	}
}

// The canonical form of an origin is a fixed point: what is stored reads
// back as itself, so that approvals written by the agent always load.
func FuzzParseOriginCanonical(f *testing.F) {
	for _, s := range []string{"https://portal.example", "HTTPS://A.example:443/", "http://127.0.0.1:8080",
		"https://[::1]:8443", "https://[::FFFF:127.0.0.1]", "https://a%25C3%25A9.example", "https://a_b.example.",
		"https://xn--80ajghhoc.xn--p1ai", "https://[fe80::1%25eth0]", "https://a.example:0443"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := agent.ParseOrigin(s)
		if err != nil {
			return
		}
		again, err := agent.ParseOrigin(o)
		if err != nil || again != o {
			t.Fatalf("ParseOrigin(%q) = %q, which reads back as %q, %v", s, o, again, err)
		}
	})
}

// A revocation by another process (zavera serve --revoke) takes effect in
// the running agent.
func TestApprovalsShared(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "approvals.json")
	running, err := agent.OpenApprovals(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := running.Add("https://a.example", time.Now()); err != nil {
		t.Fatal(err)
	}
	other, err := agent.OpenApprovals(path)
	if err != nil {
		t.Fatal(err)
	}
	if !other.Has("https://a.example") || len(other.List()) != 1 {
		t.Fatal("approval not read back")
	}
	if err := other.Revoke("https://A.example:443"); err != nil {
		t.Fatal(err)
	}
	if running.Has("https://a.example") {
		t.Fatal("revocation not seen by the running agent")
	}
	if err := running.Add("https://b.example", time.Now()); err != nil {
		t.Fatal(err)
	}
	if l := other.List(); len(l) != 1 || l[0] != "https://b.example" {
		t.Fatalf("list %v", l)
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	missing, err := agent.LoadConfig(filepath.Join(dir, "none.json"))
	if err != nil || missing.Port != agent.DefaultPort || len(missing.Origins) == 0 {
		t.Fatalf("missing file: %+v %v", missing, err)
	}
	write := func(s string) string {
		p := filepath.Join(dir, "c.json")
		if err := writeFile(p, s); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c, err := agent.LoadConfig(write(`{"port": 30001, "origins": ["https://corp.example"], "devOrigins": ["http://127.0.0.1:8080"],
		"limits": {"promptTimeout": "30s", "maxInFlight": 4, "pairingPromptsPerMinute": 20}}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 30001 || len(c.Origins) != 1 || c.Limits.PromptTimeout != agent.Duration(30*time.Second) ||
		c.Limits.MaxInFlight != 4 || c.Limits.MaxBatch != agent.DefaultLimits.MaxBatch ||
		c.Limits.PairingPromptsPerMinute != 20 || c.Limits.PairingPromptsPerSite != agent.DefaultLimits.PairingPromptsPerSite {
		t.Fatalf("config %+v", c)
	}
	for _, bad := range []string{`{"prot": 1}`, `{"port": 70000}`, `{"origins": ["http//x"]}`, `{"limits": {"cooldown": 5}}`, `{`,
		`{"origins": ["https://a%25C3%25A9.example"]}`} {
		if _, err := agent.LoadConfig(write(bad)); err == nil {
			t.Errorf("config %s accepted", bad)
		}
	}
}

// A page whose origin has %-escapes gets no websocket, so nothing about it
// reaches a prompt or the approvals file.
func TestEscapedOriginRefusedAtHandshake(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	ts := startServer(t, newFakeSource(p.ecdsa), pr)
	for _, origin := range []string{"https://a%25C3%25A9.example", "https://[fe80::1%25eth0]"} {
		c, resp, err := dialRaw(ts.addr, origin, "")
		if err == nil {
			c.ws.Close()
			t.Fatalf("origin %q accepted", origin)
		}
		if resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("origin %q: %v %v", origin, err, resp)
		}
	}
	if o, _, _, _ := pr.snapshot(); len(o) != 0 {
		t.Fatalf("prompts %+v", o)
	}
}
