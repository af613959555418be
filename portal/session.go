package portal

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"time"
)

const (
	sessionCookie = "zavera_demo_session"
	sessionTTL    = 8 * time.Hour
)

// session is a logged-in person.
type session struct {
	id       string
	person   Person
	orgs     []Organization
	expires  time.Time
	loggedIn time.Time
}

func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newSession stores a session for p and sets its cookie.
func (s *Server) newSession(w http.ResponseWriter, r *http.Request, p Person) *session {
	now := s.now()
	ss := &session{id: randomToken(32), person: p, expires: now.Add(sessionTTL), loggedIn: now}
	if p.INNLE != "" {
		role := "Сотрудник"
		if isLeader(p.Title) {
			role = "Руководитель"
		}
		ss.orgs = append(ss.orgs, Organization{Name: p.Organization, INN: p.INNLE, OGRN: p.OGRN, Role: role, Source: "certificate"})
	}
	s.mu.Lock()
	for id, old := range s.sessions {
		if now.After(old.expires) {
			delete(s.sessions, id)
		}
	}
	s.sessions[ss.id] = ss
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: ss.id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, Expires: ss.expires,
	})
	return ss
}

// sessionOf returns the request's session, or answers 401 and returns nil.
func (s *Server) sessionOf(w http.ResponseWriter, r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err == nil {
		s.mu.Lock()
		ss := s.sessions[c.Value]
		s.mu.Unlock()
		if ss != nil && s.now().Before(ss.expires) {
			return ss
		}
	}
	writeError(w, http.StatusUnauthorized, "войдите с сертификатом")
	return nil
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.mu.Lock()
		delete(s.sessions, c.Value)
		s.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	writeJSON(w, http.StatusOK, map[string]bool{"loggedOut": true})
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	ss := s.sessionOf(w, r)
	if ss == nil {
		return
	}
	s.mu.Lock()
	out := map[string]any{"person": ss.person, "organizations": append([]Organization(nil), ss.orgs...)}
	var regs []map[string]any
	for _, reg := range s.registrations {
		if reg.owner == ss.person.SNILS {
			regs = append(regs, reg.view())
		}
	}
	s.mu.Unlock()
	out["registrations"] = regs
	writeJSON(w, http.StatusOK, out)
}
