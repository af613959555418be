package portal

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/web"
)

// Limits on what a page may send.
const (
	// MaxDocumentSize is the largest founding document or filing.
	MaxDocumentSize = 5 << 20
	// MaxDocuments is the largest number of files in one form or batch.
	MaxDocuments = 20
	// maxBody bounds a multipart body: every file at its largest, plus
	// the form fields and multipart framing.
	maxBody = MaxDocuments*MaxDocumentSize + 1<<20
	// maxJSON bounds a JSON body (signatures of a full batch in base64).
	maxJSON = 4 << 20
)

// Options configure a Server.
type Options struct {
	// Origins are the portal's own origins as a browser sends them (for
	// example http://127.0.0.1:8765). Login challenges are bound to one
	// of them, and requests that change state must come from one.
	Origins []string
	// Roots are the trust anchors for signers' certificates (the demo CA).
	Roots []*cert.Certificate
	// AgentPort is the agent's port the page connects to; 0 means the
	// agent's default.
	AgentPort int
	// Log receives one line per verification; nil discards.
	Log *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server is the demo portal's http.Handler.
type Server struct {
	origins   []string
	roots     []*cert.Certificate
	agentPort int
	log       *slog.Logger
	now       func() time.Time
	mux       *http.ServeMux
	wg        sync.WaitGroup

	mu            sync.Mutex
	sessions      map[string]*session
	nonces        map[string]time.Time // base64 nonce -> expiry
	registrations map[string]*registration
	filings       map[string]*filing
	seq           int
}

// New returns a portal for the given options.
func New(o Options) (*Server, error) {
	if len(o.Origins) == 0 {
		return nil, fmt.Errorf("%w: no origin", ErrConfig)
	}
	if len(o.Roots) == 0 {
		return nil, fmt.Errorf("%w: no trust anchor for signers' certificates", ErrConfig)
	}
	s := &Server{
		roots: o.Roots, agentPort: o.AgentPort, log: o.Log, now: o.Now,
		sessions: map[string]*session{}, nonces: map[string]time.Time{},
		registrations: map[string]*registration{}, filings: map[string]*filing{},
	}
	for _, raw := range o.Origins {
		c, err := agent.ParseOrigin(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: origin %q: %v", ErrConfig, raw, err)
		}
		s.origins = append(s.origins, c)
	}
	if s.agentPort == 0 {
		s.agentPort = agent.DefaultPort
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	static, err := fs.Sub(web.Files, "portal")
	if err != nil {
		return nil, err
	}
	client, err := fs.Sub(web.Files, "client")
	if err != nil {
		return nil, err
	}
	m := http.NewServeMux()
	m.Handle("GET /{$}", fileHandler(static, "index.html"))
	m.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	m.Handle("GET /static/zavera.js", fileHandler(client, "zavera.js"))
	m.Handle("GET /esia/{$}", fileHandler(static, "esia.html"))
	m.Handle("GET /org/create", fileHandler(static, "orgcreate.html"))
	m.HandleFunc("POST /api/esia/challenge", s.handleESIAChallenge)
	m.HandleFunc("POST /api/esia/login", s.handleESIALogin)
	m.HandleFunc("POST /api/org/create", s.handleOrgCreate)
	m.HandleFunc("GET /api/config", s.handleConfig)
	m.HandleFunc("POST /api/login/challenge", s.handleChallenge)
	m.HandleFunc("POST /api/login", s.handleLogin)
	m.HandleFunc("POST /api/logout", s.handleLogout)
	m.HandleFunc("GET /api/me", s.handleMe)
	m.HandleFunc("POST /api/registrations", s.handleCreateRegistration)
	m.HandleFunc("GET /api/registrations/{id}", s.handleGetRegistration)
	m.HandleFunc("POST /api/registrations/{id}/signature", s.handleSignRegistration)
	m.HandleFunc("POST /api/filings", s.handleCreateFiling)
	m.HandleFunc("GET /api/filings/{id}", s.handleGetFiling)
	m.HandleFunc("POST /api/filings/{id}/signatures", s.handleSignFiling)
	s.mux = m
	return s, nil
}

// ServeHTTP serves the pages and the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws://127.0.0.1:* wss://127.0.0.1:* ws://localhost:* wss://localhost:* http://127.0.0.1:* http://localhost:*; img-src 'self' data:; frame-ancestors 'none'")
	if r.Method == http.MethodPost && !s.ownOrigin(r.Header.Get("Origin")) {
		writeError(w, http.StatusForbidden, "запрос пришёл не со страницы портала")
		return
	}
	s.mux.ServeHTTP(w, r)
}

// Close waits for verifications in progress.
func (s *Server) Close() { s.wg.Wait() }

func (s *Server) ownOrigin(o string) bool {
	c, err := agent.ParseOrigin(o)
	if err != nil {
		return false
	}
	for _, own := range s.origins {
		if c == own {
			return true
		}
	}
	return false
}

func fileHandler(fsys fs.FS, name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, fsys, name)
	})
}

func (s *Server) handleConfig(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"agentPort": s.agentPort, "maxDocumentSize": MaxDocumentSize, "maxDocuments": MaxDocuments,
		"maxFoundingDocument": MaxFoundingDocument, "maxFoundingDocuments": maxFoundingDocuments,
	})
}

// nextID returns a new identifier with a prefix; s.mu must be held.
func (s *Server) nextID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s-%06d", prefix, s.seq)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeError answers with {"error": message} in Russian.
func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]string{"error": message})
}

// readJSON decodes a bounded JSON body into v, refusing unknown members.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, "ожидался JSON")
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "запрос не читается: "+err.Error())
		return false
	}
	return true
}
