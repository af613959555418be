package keysource_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/journal"
	"github.com/zavera/zavera/agent/keysource"
	"github.com/zavera/zavera/agent/multisource"
	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/keyfile"
)

// startAgent serves the software keys of l to a page over a real socket
// and returns the page's websocket after hello.
func startAgent(t *testing.T, l *keysource.List, pr *prompter) *websocket.Conn {
	t.Helper()
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	srv, err := agent.New(agent.Options{Config: agent.Config{Origins: []string{origin}},
		Tokens: multisource.New(keysource.New(keysource.Options{List: l})), Prompter: pr, Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+ln.Addr().String()+"/", http.Header{"Origin": {origin}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	if e := call(t, ws, 1, "hello", map[string]any{"protocols": []int{1}}, nil); e != nil {
		t.Fatalf("hello: %+v", e)
	}
	return ws
}

type certList struct {
	Certificates []struct {
		ID          string
		SoftwareKey bool
		Certificate []byte
	}
}

// TestAgentSignsWithPKCS12: a page signs through the agent with the key
// of a GOST PKCS#12 file that OpenSSL's engine wrote, added as the window
// and 'zavera keys add' add it (the certificate copied out with the
// password once). The certificate is listed as a software key, the
// password is asked with the PIN prompt and OpenSSL verifies the
// signature. Only wrong passwords give the PIN error code and no
// signature. A damaged file is listed with its reason, no longer offered
// to pages, and signs nothing.
func TestAgentSignsWithPKCS12(t *testing.T) {
	osslref.Require(t)
	base := t.TempDir()
	keyFile, certFile, pfxFile := filepath.Join(base, "k.pem"), filepath.Join(base, "c.pem"), filepath.Join(base, "ivanova.pfx")
	osslref.Run(t, nil, "genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:A", "-out", keyFile)
	osslref.Run(t, nil, "req", "-new", "-x509", "-key", keyFile, "-days", "30", "-subj", "/CN=Иванова", "-utf8", "-out", certFile)
	const password = "пароль 17"
	osslref.Run(t, nil, "pkcs12", "-export", "-inkey", keyFile, "-in", certFile, "-keypbe", "gost89", "-certpbe", "gost89",
		"-macalg", "md_gost12_512", "-name", "Иванова", "-passout", "pass:"+password, "-out", pfxFile)

	der, err := keysource.CertificateFromKey(pfxFile, password)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := keysource.SaveCertificate(filepath.Join(base, "state", "keys"), pfxFile, der)
	if err != nil {
		t.Fatal(err)
	}
	l := keysource.OpenList(filepath.Join(base, "state", keysource.FileName))
	if _, err := l.Add(pfxFile, saved); err != nil {
		t.Fatal(err)
	}

	pr := &prompter{pins: []string{"неверный", password}}
	ws := startAgent(t, l, pr)
	var list certList
	if e := call(t, ws, 2, "certificates", map[string]any{}, &list); e != nil {
		t.Fatalf("certificates: %+v", e)
	}
	if len(list.Certificates) != 1 || !list.Certificates[0].SoftwareKey || string(list.Certificates[0].Certificate) != string(der) {
		t.Fatalf("certificates: %+v", list)
	}
	id := list.Certificates[0].ID
	doc := []byte("Акт сверки № 17\n")

	var signed struct{ Signature []byte }
	if e := call(t, ws, 3, "sign", map[string]any{"certificate": id, "description": "Акт", "data": doc}, &signed); e != nil {
		t.Fatalf("sign: %+v", e)
	}
	if len(pr.asks) != 2 || pr.asks[0].Retry || !pr.asks[1].Retry || !pr.asks[0].Token.SoftwareKey {
		t.Errorf("password prompts: %+v", pr.asks)
	}
	sigFile, docFile := filepath.Join(base, "d.sig"), filepath.Join(base, "d.txt")
	os.WriteFile(sigFile, signed.Signature, 0o600)
	os.WriteFile(docFile, doc, 0o600)
	if _, errOut, err := osslref.Try(t, nil, "cms", "-verify", "-binary", "-inform", "DER", "-in", sigFile, "-content", docFile,
		"-CAfile", certFile, "-partial_chain", "-purpose", "any", "-out", "/dev/null"); err != nil {
		t.Fatalf("OpenSSL refuses the signature: %v\n%s", err, errOut)
	}

	pr.mu.Lock()
	pr.pins, pr.asks = []string{"1111"}, nil
	pr.mu.Unlock()
	var none struct{ Signature []byte }
	e := call(t, ws, 4, "sign", map[string]any{"certificate": id, "description": "Акт", "data": doc}, &none)
	if e == nil || e.Code != int(agent.CodePINIncorrect) || none.Signature != nil {
		t.Fatalf("wrong password: error %+v, signature %d bytes", e, len(none.Signature))
	}
	if len(pr.asks) == 0 {
		t.Error("no password was asked")
	}

	// The file is cut short, as by an interrupted copy.
	data, err := os.ReadFile(pfxFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pfxFile, data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	keys := keysource.New(keysource.Options{List: l}).Keys()
	if len(keys) != 1 || !errors.Is(keys[0].Err, keyfile.ErrDamaged) {
		t.Fatalf("the damaged file is not listed as damaged: %+v", keys)
	}
	pr2 := &prompter{pins: []string{password}}
	ws2 := startAgent(t, l, pr2)
	var after certList
	if e := call(t, ws2, 5, "certificates", map[string]any{}, &after); e != nil || len(after.Certificates) != 0 {
		t.Fatalf("certificates of a damaged file: %+v, %+v", after, e)
	}
	var nothing struct{ Signature []byte }
	e = call(t, ws2, 6, "sign", map[string]any{"certificate": id, "description": "Акт", "data": doc}, &nothing)
	if e == nil || e.Code != int(agent.CodeCertificateNotFound) || nothing.Signature != nil || len(pr2.asks) != 0 {
		t.Fatalf("signing with a damaged file: error %+v, signature %d bytes, %d prompts", e, len(nothing.Signature), len(pr2.asks))
	}
}
