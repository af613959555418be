package verifyserver

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestMetricsMove: the counters by status and indication, the histogram
// and the in-flight gauge follow the requests made.
func TestMetricsMove(t *testing.T) {
	_, url, _ := newLoaded(t, Config{Anchors: []string{realworld(t, cryptoproRoot)}})
	passed := readFile(t, realworld(t, "cms_gost2012-256_detached_cryptoarm_sign2012-256_det.txt.sig.pem"))
	content := readFile(t, realworld(t, "content_cryptoarm_test_crlf.txt"))
	failed := readFile(t, realworld(t, "cms_gost2012-256_attached_NEGATIVE_bad-signature_cryptoarm_file1.xlsx.sig"))
	samples := []string{
		`zavera_verify_requests_total{code="200",indication="PASSED"}`,
		`zavera_verify_requests_total{code="200",indication="FAILED"}`,
		`zavera_verify_requests_total{code="422",indication="none"}`,
		`zavera_verify_request_duration_seconds_count`,
		`zavera_verify_request_duration_seconds_bucket{le="+Inf"}`,
	}
	before := map[string]float64{}
	for _, s := range samples {
		before[s] = max(metric(t, url, s), 0)
	}
	postForm(t, url, "signature", passed, "content", content)
	postForm(t, url, "signature", passed, "content", content)
	postRaw(t, url, failed, "")
	postRaw(t, url, []byte("not a signature"), "")
	want := []float64{2, 1, 1, 4, 4}
	for i, s := range samples {
		if got := metric(t, url, s) - before[s]; got != want[i] {
			t.Errorf("%s moved by %v, want %v", s, got, want[i])
		}
	}
	if v := metric(t, url, "zavera_verify_in_flight"); v != 0 {
		t.Errorf("in flight %v after all answers", v)
	}
	r := get(t, url+"/metrics")
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestAccessLog: each request gives one JSON line with its status,
// verdict, size and request ID, and nothing of the document, the
// signature or the report.
func TestAccessLog(t *testing.T) {
	var buf syncBuffer
	_, url, _ := newLoaded(t, Config{Anchors: []string{realworld(t, cryptoproRoot)}, Log: slog.New(slog.NewJSONHandler(&buf, nil))})
	sig := readFile(t, realworld(t, "cms_gost2012-256_detached_cryptoarm_sign2012-256_det.txt.sig.pem"))
	// Other content than signed: FAILED, and its text must not be logged.
	content := []byte("SECRET-DOCUMENT-TEXT " + string(readFile(t, realworld(t, "content_cryptoarm_test_crlf.txt"))))
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/verify", bytes.NewReader(sig))
	req.Header.Set("X-Request-Id", "req-42")
	if r := do(t, req); r.header.Get("X-Request-Id") != "req-42" || r.code() != codeContentRequired {
		t.Fatalf("%d %s, X-Request-Id %q", r.status, r.body, r.header.Get("X-Request-Id"))
	}
	postForm(t, url, "signature", sig, "content", content)
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("%d request lines:\n%s", len(lines), buf.String())
	}
	if l := lines[0]; l["status"] != 422.0 || l["error"] != codeContentRequired || l["requestId"] != "req-42" || l["bytesIn"] != float64(len(sig)) {
		t.Errorf("first line %v", l)
	}
	if l := lines[1]; l["status"] != 200.0 || l["indication"] != "FAILED" || l["path"] != "/v1/verify" {
		t.Errorf("second line %v", l)
	}
	logText := buf.String()
	sigLine := strings.Split(string(sig), "\n")[1]
	for _, secret := range []string{"SECRET-DOCUMENT-TEXT", sigLine, "TrustedCrypro", "thumbprint"} {
		if strings.Contains(logText, secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
}
