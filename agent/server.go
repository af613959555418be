package agent

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/agent/journal"
	"github.com/zavera/zavera/agent/peer"
)

// Options wire a Server to the rest of the product.
type Options struct {
	Config Config
	// Tokens and Prompter are required.
	Tokens   TokenSource
	Prompter Prompter
	// Journal records consents, signatures and refusals; required.
	Journal *journal.Journal
	// Approvals remembers approved origins; nil keeps them in memory.
	Approvals *Approvals
	// TLS, when set, serves wss:// on the same port as ws://.
	TLS *tls.Config
	// Log receives details that pages never see; nil discards them.
	Log *slog.Logger
	// Version is the product version reported by info.
	Version string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// PeerCheck admits or refuses the process at the other end of a
	// connection, before anything of the request is read; nil means
	// peer.Check, which admits only processes of the agent's own user.
	PeerCheck func(local, remote net.Addr) error
}

// Server is the agent: the page sessions' core with its transports, the
// websocket server and the local channel (ServeLocal). Create it with New; it is safe
// for concurrent use.
type Server struct {
	cfg       Config
	tokens    TokenSource
	prompter  Prompter
	journal   *journal.Journal
	approvals *Approvals
	policy    *originPolicy
	gate      *gate
	log       *slog.Logger
	version   string
	now       func() time.Time
	tlsConf   *tls.Config
	upgrader  websocket.Upgrader
	peerCheck func(local, remote net.Addr) error

	slots    *slots
	budget   *budget
	subjects subjectNames

	// trustLists keeps the trusted list verify reads.
	trustLists trustListCache

	mu        sync.Mutex
	servers   []*http.Server
	listeners []net.Listener
	locals    []net.Listener // of the local channel
	closed    bool
	live      map[*conn]struct{}
}

// New checks the options and returns a server that is not yet listening.
func New(o Options) (*Server, error) {
	if o.Tokens == nil || o.Prompter == nil || o.Journal == nil {
		return nil, errors.New("agent: Options need Tokens, Prompter and Journal")
	}
	cfg := o.Config.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	policy, err := newOriginPolicy(cfg)
	if err != nil {
		return nil, err
	}
	if o.Approvals == nil {
		o.Approvals, _ = OpenApprovals("")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	if o.PeerCheck == nil {
		o.PeerCheck = peer.Check
	}
	s := &Server{
		cfg:       cfg,
		tokens:    o.Tokens,
		prompter:  o.Prompter,
		journal:   o.Journal,
		approvals: o.Approvals,
		policy:    policy,
		gate:      newGate(cfg.Limits, o.Now),
		log:       o.Log,
		version:   o.Version,
		now:       o.Now,
		tlsConf:   o.TLS,
		peerCheck: o.PeerCheck,
		live:      map[*conn]struct{}{},
		budget:    newBudget(cfg.Limits),
	}
	s.slots = newSlots(cfg.Limits.MaxConnections, s.approvedNow)
	// Revocations, by this process or by `zavera serve --revoke`, go to
	// the journal.
	s.approvals.mu.Lock()
	s.approvals.onRevoke = func(origin string) {
		s.record(journal.Record{Event: journal.EventRevoke, Origin: origin, Outcome: journal.OutcomeRefused})
	}
	s.approvals.mu.Unlock()
	s.upgrader = websocket.Upgrader{
		HandshakeTimeout: 10 * time.Second,
		ReadBufferSize:   4096,
		WriteBufferSize:  4096,
		// The handler has checked Origin before upgrading.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	return s, nil
}

// Config returns the configuration in force, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// Handler returns the HTTP handler that upgrades to the websocket after the
// Host and Origin checks.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// Listen opens the loopback listeners on the configured port; see
// ListenLoopback. A missing IPv6 listener is logged as a warning.
func (s *Server) Listen() ([]net.Listener, error) {
	lb, err := ListenLoopback(s.cfg.Port)
	if err != nil {
		return nil, err
	}
	if lb.NoIPv6 != nil {
		s.log.Warn("no IPv6 loopback listener: pages that connect to [::1] will not reach the agent", "err", lb.NoIPv6)
	}
	return lb.Listeners, nil
}

// Serve accepts connections on ln until Shutdown. The listener must be on
// a loopback address: Serve refuses any other.
func (s *Server) Serve(ln net.Listener) error {
	if a, ok := ln.Addr().(*net.TCPAddr); !ok || !a.IP.IsLoopback() {
		return fmt.Errorf("agent: refusing to serve on %s: not a loopback address", ln.Addr())
	}
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return http.ErrServerClosed
	}
	s.servers = append(s.servers, hs)
	s.listeners = append(s.listeners, ln)
	s.mu.Unlock()
	if s.tlsConf != nil {
		ln = newSniffListener(ln, s.tlsConf)
	}
	err := hs.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting, closes every session with status 1001 and
// waits for handlers until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	servers := s.servers
	for _, ln := range s.locals {
		ln.Close()
	}
	live := make([]*conn, 0, len(s.live))
	for c := range s.live {
		live = append(live, c)
	}
	s.mu.Unlock()
	for _, c := range live {
		c.closeWith(CloseGoingAway, "agent stopping")
	}
	var first error
	for _, hs := range servers {
		if err := hs.Shutdown(ctx); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// serveHTTP checks the peer's user, Host, Origin and the connection
// limit, then upgrades.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if s.refusePeer(w, r) {
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'")
	if err := checkHost(r); err != nil {
		s.log.Info("refused connection: host", "host", r.Host, "err", err)
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	origin, err := s.policy.admit(r.Header.Get("Origin"))
	if err == nil && len(r.Header.Values("Origin")) != 1 {
		err = fmt.Errorf("%w: more than one Origin header", ErrOriginNotAllowed)
	}
	if err != nil {
		s.log.Info("refused connection: origin", "origin", r.Header.Get("Origin"), "err", err)
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	if r.URL.Path != "/" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if !websocket.IsWebSocketUpgrade(r) {
		http.Error(w, "websocket only", http.StatusBadRequest)
		return
	}
	free, err := s.slots.take(origin)
	if err != nil {
		s.log.Warn("refused connection", "origin", origin, "err", err)
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	defer free()
	fw := &frameWatch{}
	ws, err := s.upgrader.Upgrade(watchingWriter{w, fw}, r, nil)
	if err != nil {
		s.log.Info("websocket upgrade failed", "origin", origin, "err", err)
		return
	}
	c := newConn(s, newWSTransport(ws, fw), origin)
	s.runSession(c, ws.Close)
}

// runSession registers c with the server, runs it until the page goes
// away and unregisters it; closeRaw closes the underlying connection when
// the server is already stopping.
func (s *Server) runSession(c *conn, closeRaw func() error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.closeWith(CloseGoingAway, "agent stopping")
		closeRaw()
		return
	}
	s.live[c] = struct{}{}
	s.mu.Unlock()
	c.run()
	s.mu.Lock()
	delete(s.live, c)
	s.mu.Unlock()
}

// checkHost accepts only a loopback name with the port the connection
// arrived on: a page on a rebound DNS name sends its own name and fails.
func checkHost(r *http.Request) error {
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		return fmt.Errorf("host %q has no port", r.Host)
	}
	switch host {
	case "127.0.0.1", "::1", "localhost":
	default:
		return fmt.Errorf("host %q is not a loopback name", host)
	}
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return errors.New("no local address")
	}
	_, lport, err := net.SplitHostPort(local.String())
	if err != nil || lport != port {
		return fmt.Errorf("host port %s is not the listening port", port)
	}
	return nil
}

// approved reports whether origin may call the methods beyond hello and
// pair.
func (s *Server) approved(origin string) bool {
	return s.policy.preapproved[origin] || s.approvals.Has(origin)
}

// record appends to the journal, logging a failure.
func (s *Server) record(r journal.Record) error {
	if r.Time.IsZero() {
		r.Time = s.now()
	}
	if _, err := s.journal.Append(r); err != nil {
		s.log.Error("journal append failed", "err", err)
		return err
	}
	return nil
}

// truncate cuts s to at most n bytes, at a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
