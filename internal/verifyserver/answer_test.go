package verifyserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zavera/zavera/validate"
)

// goroutineID reads the current goroutine's number from its stack trace.
func goroutineID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	f := bytes.Fields(buf)
	if len(f) < 2 {
		return ""
	}
	return string(f[1])
}

// goroutineLog notes the goroutine each access log line is written on:
// the request's own.
type goroutineLog struct {
	mu   sync.Mutex
	seen []string
}

func (l *goroutineLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *goroutineLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *goroutineLog) WithGroup(string) slog.Handler            { return l }
func (l *goroutineLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "request" {
		l.mu.Lock()
		l.seen = append(l.seen, goroutineID())
		l.mu.Unlock()
	}
	return nil
}

// A verification runs on its request's goroutine, handed to no other;
// verifications one after another on a keep-alive connection run on the
// connection's goroutine, which keeps the stack a validation grew, rather
// than on a new goroutine each.
func TestVerificationRunsOnRequestGoroutine(t *testing.T) {
	log := &goroutineLog{}
	s := New(Config{Anchors: []string{realworld(t, cryptoproRoot)}, Log: slog.New(log)})
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var validated []string
	real := s.validate
	s.validate = func(sig []byte, o *validate.Options) (*validate.Report, error) {
		mu.Lock()
		validated = append(validated, goroutineID())
		mu.Unlock()
		return real(sig, o)
	}
	url, _ := start(t, s)
	sig := readFile(t, realworld(t, "cms_gost2012-256_attached_cryptopro-csp_pycryptoprosdk_sign.sig.b64"))
	const n = 10
	for range n {
		if r := postRaw(t, url, sig, ""); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	log.mu.Lock()
	defer log.mu.Unlock()
	if len(validated) != n || len(log.seen) != n {
		t.Fatalf("%d verifications, %d log lines for %d requests", len(validated), len(log.seen), n)
	}
	for i := range n {
		if validated[i] != log.seen[i] {
			t.Errorf("request %d: verified on goroutine %s, answered on %s", i+1, validated[i], log.seen[i])
		}
	}
	distinct := map[string]bool{}
	for _, g := range validated {
		distinct[g] = true
	}
	// A request that comes while the client's connection is still on its
	// way back to its pool may open a second one, never more.
	if len(distinct) > 2 {
		t.Errorf("%d verifications ran on %d goroutines", n, len(distinct))
	}
}

// A verification that outlives its deadline gets 504 "timeout" at the
// deadline, on a connection that the server then closes, since the
// request's goroutine is still checking; the access log's duration ends
// at the answer, not when the check ends.
func TestValidationDeadlineClosesConnection(t *testing.T) {
	var logBuf syncBuffer
	s := New(Config{Anchors: []string{realworld(t, cryptoproRoot)}, Timeout: 200 * time.Millisecond, MaxInFlight: 1,
		Log: slog.New(slog.NewJSONHandler(&logBuf, nil))})
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	release := holdValidation(s)
	url, _ := start(t, s)
	sig := readFile(t, realworld(t, "cms_gost2012-256_attached_cryptopro-csp_pycryptoprosdk_sign.sig.b64"))
	begun := time.Now()
	conn := rawRequest(t, url, fmt.Sprintf("Content-Length: %d", len(sig)))
	conn.Write(sig)
	r := readReply(t, conn)
	if r.status != http.StatusGatewayTimeout || r.code() != codeTimeout || !r.close {
		t.Fatalf("held verification: %d %s, close %v; want 504 timeout and the connection closed", r.status, r.body, r.close)
	}
	conn.SetReadDeadline(time.Now().Add(time.Minute))
	if n, err := conn.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("after the 504 the connection gave %d bytes, %v; want EOF", n, err)
	}
	held := time.Since(begun)
	close(release)
	waitFor(t, "the slot to be free", func() bool { return metric(t, url, "zavera_verify_in_flight") == 0 })
	var line struct {
		Status     int
		Error      string
		DurationMs float64
	}
	waitFor(t, "the access log line", func() bool {
		for _, l := range strings.Split(logBuf.String(), "\n") {
			if json.Unmarshal([]byte(l), &line) == nil && line.Status == http.StatusGatewayTimeout {
				return true
			}
		}
		return false
	})
	if line.Error != codeTimeout || time.Duration(line.DurationMs*float64(time.Millisecond)) >= held {
		t.Errorf("logged %s after %.1f ms; the answer left before %v", line.Error, line.DurationMs, held)
	}
}
