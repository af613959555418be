package portal

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"net/http"

	"github.com/zavera/zavera/cms"
)

// The «Вход через ЕСИА» page (/esia/) logs in as the state services
// portal's ESIA login does, through the IFCPlugin interface: the server
// issues a challenge (random bytes, in hex), the page has the plug-in sign
// the challenge's text as an attached CMS (sign with signType 3) and posts
// the signature back; the server takes the challenge out of its store by
// the signature's own content (one use, nonceTTL), and verifies the
// signature as CAdES-BES by one signer, chained to the portal's trust
// anchors. Unlike the agent's signChallenge, such a signature is not bound
// to the portal's origin: that is how the plug-in's login works, which is
// why the extension serves the interface only on the portal's origins.

// esiaChallengeBytes is the challenge's size before hex encoding.
const esiaChallengeBytes = 32

func (s *Server) handleESIAChallenge(w http.ResponseWriter, r *http.Request) {
	raw := make([]byte, esiaChallengeBytes)
	rand.Read(raw)
	challenge := hex.EncodeToString(raw)
	if !s.storeNonce(w, "esia:"+challenge) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"challenge": challenge})
}

type esiaLoginRequest struct {
	// Signature is the plug-in's sign_value: base64 of an attached CMS.
	Signature string `json:"signature"`
}

func (s *Server) handleESIALogin(w http.ResponseWriter, r *http.Request) {
	var req esiaLoginRequest
	if !readJSON(w, r, &req) {
		return
	}
	sig, err := base64.StdEncoding.DecodeString(req.Signature)
	if err != nil || len(sig) == 0 {
		writeError(w, http.StatusBadRequest, "подпись не получена")
		return
	}
	p, err := s.verifyESIALogin(sig)
	if err != nil {
		s.log.Warn("esia login refused", "err", err)
		writeError(w, http.StatusForbidden, "вход не выполнен: "+refusalText(err))
		return
	}
	s.log.Info("esia login", "snils", p.SNILS)
	ss := s.newSession(w, r, p)
	writeJSON(w, http.StatusOK, map[string]any{"person": ss.person, "organizations": ss.orgs})
}

// verifyESIALogin checks a login signature: an attached CMS whose content
// is a challenge this server issued and nobody used yet, by exactly one
// signer, valid and chained to the portal's trust anchors.
func (s *Server) verifyESIALogin(sig []byte) (Person, error) {
	sd, err := cms.ParseAny(sig)
	if err != nil {
		return Person{}, &Refusal{Reason: cmsReason(err), Err: err}
	}
	content := sd.Content
	if len(content) != 2*esiaChallengeBytes || !isLowerHex(content) {
		return Person{}, &Refusal{Reason: "в подписи нет запроса на вход, выданного порталом"}
	}
	// The challenge serves once, whatever the outcome.
	if !s.takeNonce("esia:" + string(content)) {
		return Person{}, &Refusal{Reason: "запрос на вход устарел или уже использован: начните вход заново"}
	}
	res, err := cms.Verify(sig, &cms.VerifyOptions{Roots: s.roots, Time: s.now()})
	if err != nil {
		return Person{}, &Refusal{Reason: cmsReason(err), Err: err}
	}
	if len(res.Signers) != 1 || !bytes.Equal(res.SignedData.Content, content) {
		return Person{}, &Refusal{Reason: "ожидалась одна подпись"}
	}
	return personFrom(res.Signers[0].Certificate)
}

func isLowerHex(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
