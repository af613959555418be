package verifyserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
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

	// validate is validate.Validate; the package's tests replace it.
	validate func([]byte, *validate.Options) (*validate.Report, error)
}

// New returns a server with no trust material loaded yet: call Reload.
func New(cfg Config) *Server {
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, metrics: newMetrics(), slots: make(chan struct{}, cfg.MaxInFlight), mux: http.NewServeMux(),
		validate: validate.Validate}
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
	at         time.Time // when answered, if before the handler returned
}

// fail answers an error code; detail goes only to the log.
func (rec *record) fail(w http.ResponseWriter, code string, detail error) {
	rec.status, rec.code, rec.detail = statusOf[code], code, detail
	switch code {
	case codeBusy, codeNotReady:
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, rec.status, map[string]string{"error": code})
}

// lingerTime is how long a connection hung up on stays half open so that
// the client reads the answer before the connection is reset.
const lingerTime = 500 * time.Millisecond

// hangUp answers an error code and closes the connection without reading
// the rest of the body, which net/http would otherwise drain (up to
// 256 KiB) to reuse the connection. It takes the connection over from
// net/http; where it cannot (HTTP/2), it answers as fail does.
func (rec *record) hangUp(w http.ResponseWriter, code string, detail error) {
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		w.Header().Set("Connection", "close")
		rec.fail(w, code, detail)
		return
	}
	rec.status, rec.code, rec.detail = statusOf[code], code, detail
	body, _ := json.Marshal(map[string]string{"error": code})
	body = append(body, '\n')
	h := w.Header().Clone()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Connection", "close")
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	fmt.Fprintf(brw, "HTTP/1.1 %d %s\r\n", rec.status, http.StatusText(rec.status))
	h.Write(brw)
	brw.WriteString("\r\n")
	brw.Write(body)
	brw.Flush()
	if cw, ok := conn.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	time.AfterFunc(lingerTime, func() { conn.Close() })
}

// JSONAppender is a value Config.Render may return to encode itself
// without encoding/json's reflection: AppendJSON appends to b exactly what
// encoding/json's Marshal would give for the value, or fails where it
// fails.
type JSONAppender interface {
	AppendJSON(b []byte) ([]byte, error)
}

// jsonBuffers are the buffers answers are encoded in, kept between
// requests; one that grew past maxPooledJSON is left to the collector.
var jsonBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

const maxPooledJSON = 64 << 10

// writeJSON answers v as JSON and a newline, as json.Encoder writes it, in
// one Write with its Content-Length.
func writeJSON(w http.ResponseWriter, status int, v any) {
	bp := jsonBuffers.Get().(*[]byte)
	buf, err := appendJSON((*bp)[:0], v)
	if err != nil {
		status = http.StatusInternalServerError
		buf = append(buf[:0], `{"error":"internal_error"}`...)
	}
	buf = append(buf, '\n')
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{strconv.Itoa(len(buf))}
	w.WriteHeader(status)
	w.Write(buf)
	if cap(buf) <= maxPooledJSON {
		*bp = buf[:0]
		jsonBuffers.Put(bp)
	}
}

// appendJSON appends v's JSON without the newline json.Encoder adds.
func appendJSON(b []byte, v any) ([]byte, error) {
	if a, ok := v.(JSONAppender); ok {
		return a.AppendJSON(b)
	}
	buf := bytes.NewBuffer(b)
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		return b, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// logged runs h and writes the access log line: no signature, document,
// hash or report content, only sizes, status and verdict.
func (s *Server) logged(w http.ResponseWriter, r *http.Request, h func(*record)) {
	start := time.Now()
	id := r.Header.Get("X-Request-Id")
	if len(id) > 128 {
		id = ""
	}
	if id != "" {
		w.Header()["X-Request-Id"] = []string{id}
	}
	rec := &record{status: http.StatusOK}
	h(rec)
	end := rec.at
	if end.IsZero() {
		end = time.Now()
	}
	d := end.Sub(start)
	if r.URL.Path == "/v1/verify" {
		s.metrics.observe(rec.status, rec.indication, d)
	}
	log := s.cfg.Log
	ctx := r.Context()
	if !log.Enabled(ctx, slog.LevelInfo) {
		return
	}
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs, slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", rec.status),
		slog.Float64("durationMs", float64(d.Microseconds())/1000), slog.String("remote", r.RemoteAddr), slog.Int64("bytesIn", rec.bytesIn))
	if rec.indication != "" {
		attrs = append(attrs, slog.String("indication", rec.indication))
	}
	if rec.code != "" {
		attrs = append(attrs, slog.String("error", rec.code))
	}
	if rec.detail != nil {
		attrs = append(attrs, slog.String("detail", rec.detail.Error()))
	}
	if id != "" {
		attrs = append(attrs, slog.String("requestId", id))
	}
	log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
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

// check validates sig on the calling goroutine, a panic included in the
// outcome.
func (s *Server) check(sig []byte, opts *validate.Options) (o outcome) {
	defer func() {
		if p := recover(); p != nil {
			o = outcome{panic: p}
		}
	}()
	o.rep, o.err = s.validate(sig, opts)
	return o
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
		rec.hangUp(w, codeTooLarge, fmt.Errorf("Content-Length %d", r.ContentLength))
		return
	}
	select {
	case s.slots <- struct{}{}:
	default:
		rec.fail(w, codeBusy, nil)
		return
	}
	s.metrics.inFlight.Add(1)
	defer func() { s.metrics.inFlight.Add(-1); <-s.slots }()

	deadline := time.Now().Add(s.cfg.Timeout)
	http.NewResponseController(w).SetReadDeadline(deadline)
	// MaxBytesReader reads no more than MaxBody+1 bytes.
	body := &countingBody{r: http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)}
	in, err := readInput(r, body)
	rec.bytesIn = body.bytes
	switch {
	case errors.Is(err, ErrTooLarge):
		rec.hangUp(w, codeTooLarge, err)
		return
	case isTimeout(err):
		rec.hangUp(w, codeTimeout, err)
		return
	case err != nil:
		rec.fail(w, codeBadRequest, err)
		return
	}

	if in.hashAlg != "" {
		if err := checkHashAlgorithm(in.signature, in.hashAlg); err != nil {
			rec.fail(w, codeHashAlgorithm, err)
			return
		}
	}
	opts := &validate.Options{Anchors: t.anchors, Certificates: t.certificates, TrustList: t.list, At: in.at, Now: s.cfg.Now,
		Revocation: s.cfg.Revocation}
	if in.content != nil {
		opts.Content = bytes.NewReader(in.content)
	}
	opts.Digest = in.hash
	a := &answer{w: w, rec: rec}
	timer := time.AfterFunc(time.Until(deadline), func() { a.abandon(context.DeadlineExceeded) })
	// The client has gone: the answer is for the log.
	stopGone := context.AfterFunc(r.Context(), func() { a.abandon(r.Context().Err()) })
	o := s.check(in.signature, opts)
	timer.Stop()
	stopGone()
	if !a.claim() {
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
	ind := o.rep.Indication()
	rec.indication = string(ind)
	w.Header().Set("Zavera-Indication", string(ind))
	writeJSON(w, http.StatusOK, s.cfg.Render(o.rep))
}

// checkHashAlgorithm fails when a signer of sig hashes with another
// algorithm than alg, the one a document's hash was given in. A signature
// that does not parse passes here: Validate says what is wrong with it.
func checkHashAlgorithm(sig []byte, alg string) error {
	der, err := cms.Decode(sig)
	if err != nil {
		return nil
	}
	sd, err := cms.Parse(der)
	if err != nil {
		return nil
	}
	for i, si := range sd.SignerInfos {
		if got := cms.DigestName(si.DigestAlgorithm.Algorithm); got != alg {
			return fmt.Errorf("%w: signer %d hashes with %s, the hash given is %s", ErrRequest, i+1, got, alg)
		}
	}
	return nil
}

// isTimeout reports whether err is a read that passed its deadline.
func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
