// Command winsmoke is the websocket client of the Windows smoke test
// (.ci/wine-smoke): it talks to the agent installed under Wine the way a
// portal page does, over ws:// and over wss:// (trusting only the CA the
// installer made), and signs a document on each.
//
//	winsmoke -port N -ca ca.pem -doc FILE -out DIR
//	winsmoke -port N -ca ca.pem -refused [-who WHAT]
//	winsmoke -port N -hello [-host localhost]
//
// Built for Windows and run under Wine in the agent's prefix, it is a
// process of the agent's own user and must be served. Run on Linux with
// -refused, it is a process the agent cannot find among its user's (the
// peer check looks up the owner of the connection in Windows' TCP table)
// and must be refused with status 4403 on both schemes. So must the same
// Windows program run under Wine by a second Unix user in a prefix of its
// own: its Wine is not the agent's (another wineserver), so the agent's
// TCP table lists the socket without naming its process. -who names the
// client in the checks' lines.
//
// With -hello and no -ca, it only says hello over ws:// and wss://, and
// trusts for wss:// what the system trusts: on Windows, Go then verifies
// the agent's certificate with CertGetCertificateChain against the
// user's and the machine's Root stores, so a hello over wss:// proves
// that the installed CA is in one of them. -host localhost names the
// agent by the loopback certificate's DNS name: Wine's check of a
// server's name (CertVerifyCertificateChainPolicy, CERT_CHAIN_POLICY_SSL)
// compares DNS names only, never the certificate's IP addresses.
//
// Each check prints one line, "PASS what" or "FAIL what: why"; the
// signatures are written to DIR/ws.p7s and DIR/wss.p7s (DER) for OpenSSL
// to verify. The exit status is 1 if any check failed.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
)

// origin is a portal origin the agent approves without asking.
const origin = "https://www.gosuslugi.ru"

// closePeerRefused is the close status for a process of another user.
const closePeerRefused = 4403

func main() {
	port := flag.Int("port", 0, "the agent's port")
	caFile := flag.String("ca", "", "the local CA (PEM) for wss://")
	docFile := flag.String("doc", "", "the document to sign")
	out := flag.String("out", ".", "folder for the signatures")
	refused := flag.Bool("refused", false, "expect to be refused as another user's process")
	helloOnly := flag.Bool("hello", false, "only say hello; with no -ca, trust the system's roots")
	host := flag.String("host", "127.0.0.1", "the agent's address or name in the URLs")
	who := flag.String("who", "a process outside the user's session", "with -refused: the client, as the checks name it")
	flag.Parse()
	var doc []byte
	if !*refused && !*helloOnly {
		var err error
		if doc, err = os.ReadFile(*docFile); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	failed := false
	check := func(what string, err error) bool {
		if err != nil {
			fmt.Printf("FAIL %s: %v\n", what, err)
			failed = true
			return false
		}
		fmt.Printf("PASS %s\n", what)
		return true
	}

	// A nil pool is the system's roots.
	var pool *x509.CertPool
	trust := "the system's roots"
	if *caFile != "" || !*helloOnly {
		pool = x509.NewCertPool()
		trust = "the installed CA"
		caPEM, err := os.ReadFile(filepath.Clean(*caFile))
		if err == nil && !pool.AppendCertsFromPEM(caPEM) {
			err = errors.New("no certificate in " + *caFile)
		}
		if err != nil || !*refused {
			check("the installed local CA is readable", err)
		}
	}

	for _, scheme := range []string{"ws", "wss"} {
		url := fmt.Sprintf("%s://%s/", scheme, net.JoinHostPort(*host, strconv.Itoa(*port)))
		d := &websocket.Dialer{HandshakeTimeout: 20 * time.Second,
			TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		s, err := dial(ctx, d, url)
		if *refused {
			if err == nil {
				s.ws.Close()
				err = errors.New("served")
			} else if ce := (*websocket.CloseError)(nil); errors.As(err, &ce) && ce.Code == closePeerRefused {
				err = nil
			}
			check(scheme+": "+*who+" is refused (4403)", err)
			cancel()
			continue
		}
		what := scheme + ": connect and hello (approved portal)"
		if scheme == "wss" {
			what += ", trusting " + trust
		}
		if !check(what, err) || *helloOnly {
			if err == nil {
				s.ws.Close()
			}
			cancel()
			continue
		}
		sig, err := s.session(doc)
		if check(scheme+": tokens, certificates and sign", err) {
			check(scheme+": signature saved", os.WriteFile(filepath.Join(*out, scheme+".p7s"), sig, 0o600))
		}
		s.ws.Close()
		cancel()
	}
	if failed {
		os.Exit(1)
	}
}

type conn struct {
	ws *websocket.Conn
	id int
}

func dial(ctx context.Context, d *websocket.Dialer, url string) (*conn, error) {
	ws, resp, err := d.DialContext(ctx, url, http.Header{"Origin": {origin}})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("HTTP %d: %w", resp.StatusCode, err)
		}
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		ws.SetReadDeadline(dl)
		ws.SetWriteDeadline(dl)
	}
	c := &conn{ws: ws}
	var hello struct {
		Protocol int  `json:"protocol"`
		Approved bool `json:"approved"`
	}
	if err := c.call("hello", map[string]any{"protocols": []int{1}, "client": "winsmoke"}, &hello); err != nil {
		ws.Close()
		return nil, err
	}
	if hello.Protocol != 1 || !hello.Approved {
		ws.Close()
		return nil, fmt.Errorf("hello answered %+v", hello)
	}
	return c, nil
}

// call sends one request and reads until its response, skipping
// notifications.
func (c *conn) call(method string, params any, result any) error {
	c.id++
	req := map[string]any{"jsonrpc": "2.0", "id": c.id, "method": method}
	if params != nil {
		req["params"] = params
	}
	if err := c.ws.WriteJSON(req); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	for {
		var resp struct {
			ID     *int            `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
				Data    any    `json:"data"`
			} `json:"error"`
		}
		if err := c.ws.ReadJSON(&resp); err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
		if resp.ID == nil || *resp.ID != c.id {
			continue
		}
		if resp.Error != nil {
			return fmt.Errorf("%s: error %d %s %v", method, resp.Error.Code, resp.Error.Message, resp.Error.Data)
		}
		if err := json.Unmarshal(resp.Result, result); err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
		return nil
	}
}

// session lists the tokens and certificates and signs doc with the
// first certificate.
func (c *conn) session(doc []byte) ([]byte, error) {
	var toks struct {
		Tokens []struct {
			ID string `json:"id"`
		} `json:"tokens"`
	}
	if err := c.call("tokens", nil, &toks); err != nil {
		return nil, err
	}
	if len(toks.Tokens) == 0 {
		return nil, errors.New("tokens: none listed")
	}
	var certs struct {
		Certificates []struct {
			ID    string `json:"id"`
			Token string `json:"token"`
		} `json:"certificates"`
	}
	if err := c.call("certificates", map[string]any{}, &certs); err != nil {
		return nil, err
	}
	if len(certs.Certificates) == 0 {
		return nil, errors.New("certificates: none listed")
	}
	var signed struct {
		Signature string `json:"signature"`
	}
	if err := c.call("sign", map[string]any{
		"certificate": certs.Certificates[0].ID, "description": "Windows smoke test",
		"data": base64.StdEncoding.EncodeToString(doc), "name": "smoke.txt", "size": len(doc),
	}, &signed); err != nil {
		return nil, err
	}
	sig, err := base64.StdEncoding.DecodeString(signed.Signature)
	if err != nil || len(sig) == 0 {
		return nil, fmt.Errorf("sign: signature %q: %v", signed.Signature, err)
	}
	return sig, nil
}
