package verifyserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/validate"
)

// Server is the verification service. Make it with New, load the trust
// material with Reload, and serve Handler.
type Server struct {
	cfg     Config
	trust   atomic.Pointer[trust]
	metrics *metrics
	// slots holds one token per running verification.
	slots chan struct{}
	mux   *http.ServeMux

	reloadMu        sync.Mutex
	lastFingerprint string
}

// New returns a server with no trust material loaded yet: call Reload.
func New(cfg Config) *Server {
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, metrics: newMetrics(), slots: make(chan struct{}, cfg.MaxInFlight), mux: http.NewServeMux()}
	s.mux.HandleFunc("/v1/verify", s.verify)
	s.mux.HandleFunc("/healthz", s.healthz)
	s.mux.HandleFunc("/readyz", s.readyz)
	s.mux.HandleFunc("/metrics", s.serveMetrics)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.logged(w, r, func(rec *record) { rec.fail(w, codeNotFound, nil) })
	})
	return s
}

// Handler returns the service's HTTP handler.
func (s *Server) Handler() http.Handler { return s.mux }

// HTTPServer returns an http.Server for addr with the timeouts the service
// needs: headers within 10 s, idle keep-alive connections closed after two
// minutes. The body's deadline is set per request.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{Addr: addr, Handler: s.mux, ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
}

// record is one access log line.
type record struct {
	status     int
	code       string // error code, "" on success
	indication string
	bytesIn    int64
	detail     error
}

// fail answers an error code; detail goes only to the log.
func (rec *record) fail(w http.ResponseWriter, code string, detail error) {
	rec.status, rec.code, rec.detail = statusOf[code], code, detail
	switch code {
	case codeBusy, codeNotReady:
		w.Header().Set("Retry-After", "1")
	case codeTooLarge, codeTimeout:
		// The rest of the body is not read: end the connection rather
		// than drain it.
		w.Header().Set("Connection", "close")
	}
	writeJSON(w, rec.status, map[string]string{"error": code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status, data = http.StatusInternalServerError, []byte(`{"error":"internal_error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)+1))
	w.WriteHeader(status)
	w.Write(append(data, '\n'))
}

// logged runs h and writes the access log line: no signature, document,
// hash or report content, only sizes, status and verdict.
func (s *Server) logged(w http.ResponseWriter, r *http.Request, h func(*record)) {
	start := time.Now()
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 128 {
		w.Header().Set("X-Request-Id", id)
	}
	rec := &record{status: http.StatusOK}
	h(rec)
	d := time.Since(start)
	if r.URL.Path == "/v1/verify" {
		s.metrics.observe(rec.status, rec.indication, d)
	}
	attrs := []any{"method", r.Method, "path", r.URL.Path, "status", rec.status, "durationMs", float64(d.Microseconds()) / 1000,
		"remote", r.RemoteAddr, "bytesIn", rec.bytesIn}
	if rec.indication != "" {
		attrs = append(attrs, "indication", rec.indication)
	}
	if rec.code != "" {
		attrs = append(attrs, "error", rec.code)
	}
	if rec.detail != nil {
		attrs = append(attrs, "detail", rec.detail.Error())
	}
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 128 {
		attrs = append(attrs, "requestId", id)
	}
	s.cfg.Log.Info("request", attrs...)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if !s.Ready() {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("trust material not loaded\n"))
		return
	}
	w.Write([]byte("ready\n"))
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	var loaded time.Time
	t := s.trust.Load()
	if t != nil {
		loaded = t.loaded
	}
	s.metrics.write(w, t != nil, loaded)
}

// outcome is what a verification gave.
type outcome struct {
	rep   *validate.Report
	err   error
	panic any
}

func (s *Server) verify(w http.ResponseWriter, r *http.Request) {
	s.logged(w, r, func(rec *record) { s.verifyRequest(w, r, rec) })
}

func (s *Server) verifyRequest(w http.ResponseWriter, r *http.Request, rec *record) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		rec.fail(w, codeMethod, nil)
		return
	}
	t := s.trust.Load()
	if t == nil {
		rec.fail(w, codeNotReady, nil)
		return
	}
	if r.ContentLength > s.cfg.MaxBody {
		rec.fail(w, codeTooLarge, fmt.Errorf("Content-Length %d", r.ContentLength))
		return
	}
	select {
	case s.slots <- struct{}{}:
	default:
		rec.fail(w, codeBusy, nil)
		return
	}
	s.metrics.inFlight.Add(1)
	release := func() { s.metrics.inFlight.Add(-1); <-s.slots }
	handedOver := false
	defer func() {
		if !handedOver {
			release()
		}
	}()

	deadline := time.Now().Add(s.cfg.Timeout)
	ctx, cancel := context.WithDeadline(r.Context(), deadline)
	defer cancel()
	http.NewResponseController(w).SetReadDeadline(deadline)
	body := newLimitedBody(r.Body, s.cfg.MaxBody)
	in, err := readInput(r, body)
	rec.bytesIn = min(body.bytes, s.cfg.MaxBody+1)
	switch {
	case errors.Is(err, ErrTooLarge):
		rec.fail(w, codeTooLarge, err)
		return
	case isTimeout(err):
		rec.fail(w, codeTimeout, err)
		return
	case err != nil:
		rec.fail(w, codeBadRequest, err)
		return
	}

	opts := &validate.Options{Anchors: t.anchors, Certificates: t.certificates, TrustList: t.list, At: in.at, Now: s.cfg.Now}
	if in.content != nil {
		opts.Content = bytes.NewReader(in.content)
	}
	opts.Digest = in.hash
	done := make(chan outcome, 1)
	handedOver = true
	go func() {
		defer release()
		defer func() {
			if p := recover(); p != nil {
				done <- outcome{panic: p}
			}
		}()
		rep, err := validate.Validate(in.signature, opts)
		done <- outcome{rep: rep, err: err}
	}()
	var o outcome
	select {
	case o = <-done:
	case <-ctx.Done():
		rec.fail(w, codeTimeout, ctx.Err())
		return
	}
	switch {
	case o.panic != nil:
		rec.fail(w, codeInternal, fmt.Errorf("panic: %v", o.panic))
		return
	case errors.Is(o.err, cms.ErrNoContent):
		rec.fail(w, codeContentRequired, o.err)
		return
	case errors.Is(o.err, cms.ErrInvalidArgument):
		rec.fail(w, codeContentRejected, o.err)
		return
	case o.err != nil:
		rec.fail(w, codeMalformed, o.err)
		return
	}
	if in.hashAlg != "" {
		for _, sr := range o.rep.Signatures {
			if sr.DigestAlgorithm != in.hashAlg {
				rec.fail(w, codeHashAlgorithm, fmt.Errorf("signer %s uses %s, hash given in %s", sr.ID, sr.DigestAlgorithm, in.hashAlg))
				return
			}
		}
	}
	ind := o.rep.Indication()
	rec.indication = string(ind)
	w.Header().Set("Zavera-Indication", string(ind))
	writeJSON(w, http.StatusOK, s.cfg.Render(o.rep))
}

// isTimeout reports whether err is a read that passed its deadline.
func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
