//go:build linux

package main

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/agent/localtls"
)

// scanMemory reads every readable mapping of process pid through
// /proc/PID/mem and returns where the first needle found lies, or "".
func scanMemory(t *testing.T, pid int, needles [][]byte) string {
	t.Helper()
	maps, err := os.Open(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer maps.Close()
	mem, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	const chunk = 1 << 20
	buf := make([]byte, chunk+64)
	read := 0
	sc := bufio.NewScanner(maps)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 5 || f[1][0] != 'r' {
			continue
		}
		name := ""
		if len(f) >= 6 {
			name = f[5]
		}
		if name == "[vvar]" || name == "[vvar_vclock]" || name == "[vsyscall]" {
			continue
		}
		lo, hi, ok := strings.Cut(f[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		// Chunks overlap by 63 bytes, so that a needle of up to 64
		// bytes across a boundary is still found.
		for off := start; off < end; off += chunk {
			n := min(uint64(len(buf)), end-off)
			got, err := mem.ReadAt(buf[:n], int64(off))
			if err != nil && err != io.EOF && got == 0 {
				break // an unreadable mapping (guard pages and the like)
			}
			read += got
			for _, nd := range needles {
				if i := bytes.Index(buf[:got], nd); i >= 0 {
					return fmt.Sprintf("%#x in %s %s", off+uint64(i), f[0], name)
				}
			}
		}
	}
	if read == 0 {
		t.Fatalf("nothing read from the memory of process %d", pid)
	}
	return ""
}

// reversed is b in the opposite byte order: how a big.Int's words hold a
// big-endian number on a little-endian machine.
func reversed(b []byte) []byte {
	r := make([]byte, len(b))
	for i, x := range b {
		r[len(b)-1-i] = x
	}
	return r
}

// The scanner finds a value this process holds.
func TestScanMemoryFindsAKnownValue(t *testing.T) {
	secret := make([]byte, 32)
	rand.Read(secret)
	if where := scanMemory(t, os.Getpid(), [][]byte{secret}); where == "" {
		t.Fatal("a value held by this process was not found in its memory")
	}
}

// `zavera serve --tls` with a fresh state folder has a child process make
// the local CA: the CA's private scalar (which the test build's issuing
// code reveals to the test in a file) is nowhere in the agent's memory,
// in either byte order, after it started and served wss://. A second
// start with the certificate in place issues nothing and changes nothing.
func TestServeNeverHoldsTheCAKey(t *testing.T) {
	bin := agentBinary(t, "zavera_script")
	dir := t.TempDir()
	keyFile, certFile := agentKey(t, dir)
	cfgFile := filepath.Join(dir, "config.json")
	os.WriteFile(cfgFile, []byte(`{"origins": ["https://portal.example"]}`), 0o600)
	reveal := filepath.Join(dir, "ca-scalar")
	if err := os.WriteFile(reveal, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"ZAVERA_SCRIPT_APPROVE=1", localtls.EnvRevealCAKey + "=" + reveal}
	args := []string{"--headless", "--port", "0", "--config", cfgFile, "--key", keyFile, "--cert", certFile, "--tls"}
	a := startAgent(t, bin, env, args...)

	h, err := os.ReadFile(reveal)
	if err != nil {
		t.Fatal(err)
	}
	scalar, err := hex.DecodeString(string(h))
	if err != nil || len(scalar) != 32 {
		t.Fatalf("no CA key revealed by the issuing process (%q, %v)", h, err)
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "tls", localtls.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	ca, err := firstCert(caPEM)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), scalar)
	if err != nil || !k.PublicKey.Equal(ca.PublicKey) {
		t.Fatalf("the revealed scalar is not the CA's key (%v)", err)
	}
	k = nil
	wssDial(t, a.addr, caPEM)

	pid := a.cmd.Process.Pid
	if where := scanMemory(t, pid, [][]byte{scalar, reversed(scalar)}); where != "" {
		t.Fatalf("the CA private key is in the agent's memory at %s", where)
	}

	// Started again with the certificate in place: nothing is issued.
	a.cmd.Process.Signal(syscall.SIGTERM)
	a.cmd.Wait()
	if err := os.WriteFile(reveal, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	a = startAgent(t, bin, env, args...)
	if h, _ := os.ReadFile(reveal); len(h) != 0 {
		t.Fatal("a CA was made although the certificate was in place")
	}
	again, _ := os.ReadFile(filepath.Join(dir, "tls", localtls.CAFile))
	if !bytes.Equal(again, caPEM) {
		t.Fatal("ca.pem changed on the second start")
	}
	wssDial(t, a.addr, caPEM)
}

// The hidden issuing command writes the three files and refuses bad
// usage; it is not listed in the help.
func TestIssueTLSCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	var o, e bytes.Buffer
	if code := dispatch([]string{issueTLSCommand, dir}, nil, &o, &e); code != 0 {
		t.Fatalf("exit %d: %s", code, e.String())
	}
	if o.Len() != 0 {
		t.Fatalf("output %q", o.String())
	}
	if _, err := localtls.Load(dir, time.Now()); err != nil {
		t.Fatal(err)
	}
	if code := dispatch([]string{issueTLSCommand}, nil, &o, &e); code != 2 {
		t.Fatalf("without a folder: exit %d", code)
	}
	o.Reset()
	dispatch([]string{"--help"}, nil, &o, &o)
	if strings.Contains(o.String(), issueTLSCommand) {
		t.Fatal("the hidden command is listed in the help")
	}
}

// wssDial opens and closes a wss:// connection trusting only caPEM.
func wssDial(t *testing.T, addr string, caPEM []byte) {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("no CA certificate")
	}
	wd := websocket.Dialer{TLSClientConfig: &tls.Config{RootCAs: pool}}
	ws, _, err := wd.Dial("wss://"+addr+"/", http.Header{"Origin": {"https://portal.example"}})
	if err != nil {
		t.Fatalf("wss: %v", err)
	}
	ws.Close()
}
