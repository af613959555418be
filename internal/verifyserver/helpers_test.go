package verifyserver

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zavera/zavera/internal/osslref"
)

// realworld returns the path of a file of the shared real-world set.
func realworld(t testing.TB, name string) string {
	return filepath.Join(osslref.Root(t), "..", "shared", "realworld", name)
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const cryptoproRoot = "ca_root_cryptopro-test-uc-2012_gost2012-256.cer"

// countingListener counts the bytes the server reads from each
// connection.
type countingListener struct {
	net.Listener
	read atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, n: &l.read}, nil
}

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countingConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// start serves s on a loopback port, as verify-server does, and returns
// its base URL and the listener counting what the server read.
func start(t testing.TB, s *Server) (string, *countingListener) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: ln}
	hs := s.HTTPServer("")
	go hs.Serve(HoldWrites(cl))
	t.Cleanup(func() { hs.Close() })
	return "http://" + ln.Addr().String(), cl
}

// newLoaded returns a started server whose trust material is loaded.
func newLoaded(t *testing.T, cfg Config) (*Server, string, *countingListener) {
	t.Helper()
	s := New(cfg)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	url, cl := start(t, s)
	return s, url, cl
}

// reply is an answer of /v1/verify.
type reply struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
	close  bool // the server closes the connection
}

func (r reply) code() string { s, _ := r.json["error"].(string); return s }

// signatureVerdict returns the first signer's indication and
// sub-indication.
func (r reply) signatureVerdict(t *testing.T) (string, string) {
	t.Helper()
	sigs, _ := r.json["signatureValidationReport"].([]any)
	if len(sigs) != 1 {
		t.Fatalf("%d signatures in %s", len(sigs), r.body)
	}
	s := sigs[0].(map[string]any)
	ind, _ := s["indication"].(string)
	sub, _ := s["subIndication"].(string)
	return ind, sub
}

func do(t *testing.T, req *http.Request) reply {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, body: body}
	if resp.Header.Get("Content-Type") == "application/json" {
		if err := json.Unmarshal(body, &r.json); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
	}
	return r
}

// postRaw posts the signature as the body.
func postRaw(t *testing.T, url string, sig []byte, query string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/v1/verify"+query, bytes.NewReader(sig))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/pkcs7-signature")
	return do(t, req)
}

// postForm posts a multipart form whose parts are given as name, value.
func postForm(t *testing.T, url string, parts ...any) reply {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i < len(parts); i += 2 {
		name := parts[i].(string)
		switch v := parts[i+1].(type) {
		case []byte:
			w, err := mw.CreateFormFile(name, name+".bin")
			if err != nil {
				t.Fatal(err)
			}
			w.Write(v)
		case string:
			mw.WriteField(name, v)
		}
	}
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, url+"/v1/verify", &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return do(t, req)
}

func get(t *testing.T, url string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

// metric returns the value of one sample of /metrics, -1 when absent.
func metric(t *testing.T, url, sample string) float64 {
	t.Helper()
	r := get(t, url+"/metrics")
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(sample) + ` (\S+)$`)
	m := re.FindSubmatch(r.body)
	if m == nil {
		return -1
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// waitFor polls cond until it holds or a minute has passed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}
