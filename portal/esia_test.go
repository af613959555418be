package portal

import (
	"bytes"
	"encoding/hex"
	"net/http"
	"testing"

	"github.com/zavera/zavera/cms"
)

// signAttached makes an attached CAdES-BES signature over content, as the
// IFCPlugin interface returns for signType 3.
func (h *holder) signAttached(t *testing.T, content []byte) []byte {
	t.Helper()
	sig, err := cms.Sign(bytes.NewReader(content), cms.Signer{Key: h.key, Certificate: h.cert}, &cms.Options{Attached: true})
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func (s *site) esiaChallenge(c *http.Client) string {
	s.t.Helper()
	var ch struct{ Challenge string }
	if code := s.postJSON(c, "/api/esia/challenge", map[string]any{}, &ch); code != http.StatusOK || len(ch.Challenge) != 64 {
		s.t.Fatalf("esia challenge: %d %q", code, ch.Challenge)
	}
	return ch.Challenge
}

func TestESIALogin(t *testing.T) {
	p := newPeople(t)
	s := newSite(t, p.ca)
	c := newClient(t)
	var out struct {
		Error  string
		Person Person
	}
	try := func(sig []byte) int {
		out.Error = ""
		return s.postJSON(c, "/api/esia/login", map[string]any{"signature": sig}, &out)
	}

	// The challenge's text signed attached by a person of the portal's CA
	// logs in, once.
	ch := s.esiaChallenge(c)
	good := p.leader.signAttached(t, []byte(ch))
	if code := try(good); code != http.StatusOK || out.Person.SNILS != leaderSNILS {
		t.Fatalf("login: %d %q %+v", code, out.Error, out.Person)
	}
	if code := try(good); code != http.StatusForbidden {
		t.Fatalf("the same signature again: %d, want 403", code)
	}

	for _, tc := range []struct {
		what string
		sig  func() []byte
	}{
		{"a detached signature", func() []byte { return p.leader.sign(t, []byte(s.esiaChallenge(c))) }},
		{"a challenge the portal never issued", func() []byte {
			return p.leader.signAttached(t, []byte(hex.EncodeToString(bytes.Repeat([]byte{7}, 32))))
		}},
		{"another CA's certificate", func() []byte { return p.foreign.signAttached(t, []byte(s.esiaChallenge(c))) }},
		{"a certificate without SNILS", func() []byte { return p.stranger.signAttached(t, []byte(s.esiaChallenge(c))) }},
		{"a signature whose content was changed to another issued challenge", func() []byte {
			first := s.esiaChallenge(c)
			sig := p.leader.signAttached(t, []byte(first))
			return bytes.Replace(sig, []byte(first), []byte(s.esiaChallenge(c)), 1)
		}},
	} {
		if code := try(tc.sig()); code == http.StatusOK {
			t.Errorf("%s: logged in", tc.what)
		}
	}
}
