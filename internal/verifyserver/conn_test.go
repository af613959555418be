package verifyserver

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// writeCountingListener counts the writes the server makes on its
// connections.
type writeCountingListener struct {
	net.Listener
	writes atomic.Int64
}

func (l *writeCountingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &writeCountingConn{Conn: c, n: &l.writes}, nil
}

type writeCountingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *writeCountingConn) Write(p []byte) (int, error) {
	c.n.Add(1)
	return c.Conn.Write(p)
}

// TestAnswerInOneWrite posts a detached signature and its document three
// times on one keep-alive connection: each report, larger than net/http's
// 4 KiB write buffer, reaches the socket in one write, and each answer
// arrives whole before the next request is sent. Served without
// HoldWrites, the same answers take two writes each.
func TestAnswerInOneWrite(t *testing.T) {
	sig := readFile(t, realworld(t, "cms_gost2012-256_detached_cryptoarm_sign2012-256_det.txt.sig.pem"))
	doc := readFile(t, realworld(t, "content_cryptoarm_test_crlf.txt"))
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, _ := mw.CreateFormFile("signature", "sig")
	w.Write(sig)
	w, _ = mw.CreateFormFile("content", "doc")
	w.Write(doc)
	mw.Close()
	req := fmt.Sprintf("POST /v1/verify HTTP/1.1\r\nHost: test\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s",
		mw.FormDataContentType(), body.Len(), body.Bytes())

	for _, held := range []bool{true, false} {
		t.Run(fmt.Sprintf("held %v", held), func(t *testing.T) {
			s := New(Config{Anchors: []string{realworld(t, cryptoproRoot)}})
			if err := s.Reload(); err != nil {
				t.Fatal(err)
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			wl := &writeCountingListener{Listener: ln}
			var served net.Listener = wl
			if held {
				served = HoldWrites(wl)
			}
			hs := s.HTTPServer("")
			go hs.Serve(served)
			t.Cleanup(func() { hs.Close() })

			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			br := bufio.NewReader(conn)
			const requests = 3
			for i := range requests {
				if _, err := io.WriteString(conn, req); err != nil {
					t.Fatal(err)
				}
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("request %d: %v", i+1, err)
				}
				report, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || resp.Header.Get("Zavera-Indication") != "PASSED" {
					t.Fatalf("request %d: %s %q %v", i+1, resp.Status, resp.Header.Get("Zavera-Indication"), err)
				}
				if len(report) <= 4096 || !strings.HasPrefix(string(report), `{"indication":"PASSED"`) {
					t.Fatalf("request %d: a report of %d bytes: %.80s", i+1, len(report), report)
				}
			}
			want := int64(requests)
			if !held {
				want = 2 * requests
			}
			if got := wl.writes.Load(); got != want {
				t.Fatalf("%d writes for %d answers, want %d", got, requests, want)
			}
		})
	}
}
