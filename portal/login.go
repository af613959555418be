package portal

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/login"
)

const (
	nonceSize = 32
	nonceTTL  = 5 * time.Minute
	maxNonces = 10000
)

func (s *Server) handleChallenge(w http.ResponseWriter, r *http.Request) {
	nonce := make([]byte, nonceSize)
	rand.Read(nonce)
	key := base64.StdEncoding.EncodeToString(nonce)
	if !s.storeNonce(w, key) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"nonce": key, "description": "Вход на демонстрационный портал госуслуг"})
}

// storeNonce keeps a one-time login value for nonceTTL; when too many
// wait, it answers 503 and reports false.
func (s *Server) storeNonce(w http.ResponseWriter, key string) bool {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, exp := range s.nonces {
		if now.After(exp) {
			delete(s.nonces, k)
		}
	}
	if len(s.nonces) >= maxNonces {
		writeError(w, http.StatusServiceUnavailable, "слишком много входов одновременно, попробуйте через минуту")
		return false
	}
	s.nonces[key] = now.Add(nonceTTL)
	return true
}

// takeNonce removes a nonce issued earlier and reports whether it was
// valid: each nonce serves one login attempt.
func (s *Server) takeNonce(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.nonces[key]
	delete(s.nonces, key)
	return ok && s.now().Before(exp)
}

type loginRequest struct {
	Nonce     string `json:"nonce"`
	Origin    string `json:"origin"`
	Signature []byte `json:"signature"`
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if !readJSON(w, r, &req) {
		return
	}
	nonce, err := base64.StdEncoding.DecodeString(req.Nonce)
	if err != nil || !s.takeNonce(req.Nonce) {
		writeError(w, http.StatusBadRequest, "код входа устарел или уже использован: нажмите «Войти» ещё раз")
		return
	}
	if !s.ownOrigin(req.Origin) {
		writeError(w, http.StatusBadRequest, "вход подписан для другого сайта")
		return
	}
	origin, _ := agent.ParseOrigin(req.Origin)
	p, err := s.verifyLogin(req.Signature, origin, nonce)
	if err != nil {
		s.log.Warn("login refused", "err", err)
		writeError(w, http.StatusForbidden, refusalText(err))
		return
	}
	ss := s.newSession(w, r, p)
	s.log.Info("login", "snils", p.SNILS, "name", p.Name)
	writeJSON(w, http.StatusOK, map[string]any{"person": ss.person, "organizations": ss.orgs})
}

// verifyLogin checks a login signature for one of the portal's own
// origins and the nonce it issued (login.Verify: the login content type,
// one signer, the content rebuilt here, the chain) and returns who signed.
// A signature the agent made with sign or signBatch, over the login
// content or its hash, is refused.
func (s *Server) verifyLogin(sig []byte, origin string, nonce []byte) (Person, error) {
	if len(sig) == 0 {
		return Person{}, &Refusal{Reason: "подпись не получена"}
	}
	res, err := login.Verify(sig, login.Options{Origin: origin, Nonce: nonce, Roots: s.roots, Time: s.now()})
	if err != nil {
		return Person{}, &Refusal{Reason: cmsReason(err), Err: err}
	}
	return personFrom(res.Signers[0].Certificate)
}

// verify checks a detached CAdES-BES signature by exactly one signer over
// content, chained to the portal's trust anchors.
func (s *Server) verify(sig, content []byte) (*cms.Result, error) {
	if len(sig) == 0 {
		return nil, &Refusal{Reason: "подпись не получена"}
	}
	res, err := cms.Verify(sig, &cms.VerifyOptions{Content: bytes.NewReader(content), Roots: s.roots, Time: s.now()})
	if err != nil {
		return nil, &Refusal{Reason: cmsReason(err), Err: err}
	}
	if len(res.Signers) != 1 {
		return nil, &Refusal{Reason: "ожидалась одна подпись"}
	}
	return res, nil
}

// cmsReason says in Russian why a signature failed verification.
func cmsReason(err error) string {
	switch {
	case errors.Is(err, login.ErrNotLogin):
		return "это не подпись входа: для входа подпись делает кнопка «Войти», подпись документа не подходит"
	case errors.Is(err, cms.ErrMalformed):
		return "подпись повреждена или это не подпись CAdES"
	case errors.Is(err, cms.ErrMessageDigest):
		return "подпись сделана под другим документом"
	case errors.Is(err, cms.ErrSignature):
		return "подпись не сходится с ключом сертификата"
	case errors.Is(err, cms.ErrChain):
		return "сертификат выдан не аккредитованным (для демонстрации — демонстрационным) удостоверяющим центром"
	case errors.Is(err, cms.ErrExpired):
		return "сертификат не действовал в момент подписания"
	case errors.Is(err, cms.ErrKeyUsage):
		return "сертификат не предназначен для подписи"
	case errors.Is(err, cms.ErrCertificateNotFound):
		return "в подписи нет сертификата подписанта"
	case errors.Is(err, cms.ErrUnsupportedAlgorithm):
		return "алгоритм подписи не поддерживается"
	case errors.Is(err, cms.ErrSigningCertificate):
		return "атрибут сертификата подписанта не совпадает с сертификатом"
	}
	return "подпись не прошла проверку"
}

// refusalText is the user-facing reason of a refusal.
func refusalText(err error) string {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Reason
	}
	return "подпись не прошла проверку"
}
