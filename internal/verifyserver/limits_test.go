package verifyserver

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zavera/zavera/validate"
)

// rawRequest writes a POST /v1/verify by hand on conn: head is the
// header lines (without the blank line) after the request line.
func rawRequest(t *testing.T, url string, head ...string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	req := "POST /v1/verify HTTP/1.1\r\nHost: test\r\n" + strings.Join(head, "\r\n") + "\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	return conn
}

// readReply reads the answer on conn.
func readReply(t *testing.T, conn net.Conn) reply {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(time.Minute))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, body: body, close: resp.Close}
	if strings.Contains(string(body), `"error"`) {
		r.json = map[string]any{"error": strings.Trim(strings.TrimPrefix(strings.TrimSpace(string(body)), `{"error":`), `"}`)}
	}
	return r
}

// streamBody writes n bytes of junk on conn in chunks of chunk bytes,
// chunked transfer coding when chunked, until done or a write fails.
func streamBody(conn net.Conn, n, chunk int, chunked bool) {
	buf := bytes.Repeat([]byte{'A'}, chunk)
	for sent := 0; sent < n; sent += chunk {
		var err error
		if chunked {
			_, err = fmt.Fprintf(conn, "%x\r\n%s\r\n", chunk, buf)
		} else {
			_, err = conn.Write(buf)
		}
		if err != nil {
			return
		}
	}
	if chunked {
		io.WriteString(conn, "0\r\n\r\n")
	}
}

// TestBodyLimit sends bodies of ten times the limit, declared and
// chunked: the answer is 413 and the server has read no more than the
// limit and one byte of body, plus what its connection buffer holds.
// A body of exactly the limit is read to its end.
func TestBodyLimit(t *testing.T) {
	const limit = 64 << 10
	const sent = 10 * limit
	// slack is what may be read beyond the body: the request head, the
	// server's 4 KiB read buffer and the chunk framing.
	const slack = 16 << 10
	for _, tc := range []struct {
		name    string
		chunked bool
	}{{"Content-Length", false}, {"chunked", true}} {
		t.Run(tc.name, func(t *testing.T) {
			_, url, cl := newLoaded(t, Config{Anchors: []string{realworld(t, cryptoproRoot)}, MaxBody: limit})
			head := fmt.Sprintf("Content-Length: %d", sent)
			if tc.chunked {
				head = "Transfer-Encoding: chunked"
			}
			conn := rawRequest(t, url, head, "Content-Type: application/octet-stream")
			go streamBody(conn, sent, 1024, tc.chunked)
			r := readReply(t, conn)
			if r.status != http.StatusRequestEntityTooLarge || r.code() != codeTooLarge {
				t.Fatalf("%d %s, want 413 too_large", r.status, r.body)
			}
			if !r.close {
				t.Error("connection not closed after 413")
			}
			// The server closes the connection: read to its end so that
			// everything it read is counted.
			io.Copy(io.Discard, conn)
			read := cl.read.Load()
			max := int64(limit + 1 + slack)
			if !tc.chunked {
				max = slack // refused on the declared length
			}
			if read > max {
				t.Fatalf("server read %d bytes of a %d byte body, limit %d", read, sent, limit)
			}
			t.Logf("server read %d bytes", read)
		})
	}
	t.Run("exactly the limit", func(t *testing.T) {
		_, url, _ := newLoaded(t, Config{Anchors: []string{realworld(t, cryptoproRoot)}, MaxBody: limit})
		r := postRaw(t, url, bytes.Repeat([]byte{'A'}, limit), "")
		if r.status != http.StatusUnprocessableEntity || r.code() != codeMalformed {
			t.Fatalf("%d %s, want 422 malformed_signature", r.status, r.body)
		}
		r = postRaw(t, url, bytes.Repeat([]byte{'A'}, limit+1), "")
		if r.status != http.StatusRequestEntityTooLarge {
			t.Fatalf("one byte over: %d %s", r.status, r.body)
		}
	})
}

// TestSlowClientDeadline: a client that sends part of its body and
// stalls gets 504 "timeout" when the request's deadline passes, and the
// slot it held is free again.
func TestSlowClientDeadline(t *testing.T) {
	_, url, _ := newLoaded(t, Config{Anchors: []string{realworld(t, cryptoproRoot)}, Timeout: 300 * time.Millisecond, MaxInFlight: 1})
	conn := rawRequest(t, url, "Content-Length: 1000")
	io.WriteString(conn, "0123456789")
	r := readReply(t, conn)
	if r.status != http.StatusGatewayTimeout || r.code() != codeTimeout {
		t.Fatalf("%d %s, want 504 timeout", r.status, r.body)
	}
	// The answer leaves before the request is counted.
	waitFor(t, "the 504 to be counted", func() bool {
		return metric(t, url, `zavera_verify_requests_total{code="504",indication="none"}`) == 1
	})
	waitFor(t, "the slot to be free", func() bool { return metric(t, url, "zavera_verify_in_flight") == 0 })
	sig := readFile(t, realworld(t, "cms_gost2012-256_attached_cryptopro-csp_pycryptoprosdk_sign.sig.b64"))
	if r := postRaw(t, url, sig, ""); r.status != 200 {
		t.Fatalf("after the timeout: %d %s", r.status, r.body)
	}
}

// TestConcurrencyLimit: with one slot taken by a request whose body is
// still coming, the next request gets 429 with Retry-After at once; when
// the first ends, requests are served again.
func TestConcurrencyLimit(t *testing.T) {
	_, url, _ := newLoaded(t, Config{Anchors: []string{realworld(t, cryptoproRoot)}, MaxInFlight: 1})
	sig := readFile(t, realworld(t, "cms_gost2012-256_attached_cryptopro-csp_pycryptoprosdk_sign.sig.b64"))
	conn := rawRequest(t, url, fmt.Sprintf("Content-Length: %d", len(sig)))
	conn.Write(sig[:10])
	waitFor(t, "the first request to hold its slot", func() bool { return metric(t, url, "zavera_verify_in_flight") == 1 })

	r := postRaw(t, url, sig, "")
	if r.status != http.StatusTooManyRequests || r.code() != codeBusy || r.header.Get("Retry-After") == "" {
		t.Fatalf("second request: %d %s Retry-After %q, want 429 busy", r.status, r.body, r.header.Get("Retry-After"))
	}
	conn.Write(sig[10:])
	if r := readReply(t, conn); r.status != 200 {
		t.Fatalf("first request: %d %s", r.status, r.body)
	}
	waitFor(t, "the slot to be free", func() bool { return metric(t, url, "zavera_verify_in_flight") == 0 })
	if r := postRaw(t, url, sig, ""); r.status != 200 {
		t.Fatalf("third request: %d %s", r.status, r.body)
	}
	if v := metric(t, url, `zavera_verify_requests_total{code="429",indication="none"}`); v != 1 {
		t.Errorf("429 counted %v times", v)
	}
}

// TestValidationDeadline: a verification that outlives the deadline gets
// 504 "timeout", and keeps its slot until it ends, so that the next
// request is refused with 429 rather than piling up work. The
// verification is held back by a stand-in for validate.Validate.
func TestValidationDeadline(t *testing.T) {
	s := New(Config{Anchors: []string{realworld(t, cryptoproRoot)}, Timeout: 200 * time.Millisecond, MaxInFlight: 1})
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	release := holdValidation(s)
	url, _ := start(t, s)
	sig := readFile(t, realworld(t, "cms_gost2012-256_attached_cryptopro-csp_pycryptoprosdk_sign.sig.b64"))
	if r := postRaw(t, url, sig, ""); r.status != http.StatusGatewayTimeout || r.code() != codeTimeout {
		t.Fatalf("held verification: %d %s, want 504 timeout", r.status, r.body)
	}
	if v := metric(t, url, "zavera_verify_in_flight"); v != 1 {
		t.Fatalf("in flight %v after the timeout, want 1", v)
	}
	if r := postRaw(t, url, sig, ""); r.status != http.StatusTooManyRequests {
		t.Fatalf("while the timed-out verification runs: %d %s, want 429", r.status, r.body)
	}
	close(release)
	waitFor(t, "the slot to be free", func() bool { return metric(t, url, "zavera_verify_in_flight") == 0 })
	if r := postRaw(t, url, sig, ""); r.status != 200 {
		t.Fatalf("after it ended: %d %s", r.status, r.body)
	}
}

// holdValidation makes s's verifications wait, before validate.Validate,
// until the returned channel is closed.
func holdValidation(s *Server) chan struct{} {
	release := make(chan struct{})
	real := s.validate
	s.validate = func(sig []byte, o *validate.Options) (*validate.Report, error) {
		<-release
		return real(sig, o)
	}
	return release
}
