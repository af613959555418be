// Command winbench measures the agent on Windows under Wine against the
// Linux agent in the same run, for `make bench` (`make bench-windows`,
// run by .ci/wine-bench, which makes the Wine prefix and builds
// zavera.exe):
//
//   - start-up: from exec to accepting connections, that is to the first
//     HTTP answer on the agent's port, the median of several starts after
//     one that warms the caches;
//   - idle memory a second after that answer: the working set (resident
//     memory) and its private part (anonymous resident memory).
//
// A page on Linux cannot talk to zavera.exe under Wine: the agent's peer
// check finds no Windows process of its user behind a Linux connection and
// refuses it (403, or websocket status 4403). That refusal is an answer
// from the running server all the same, and GET / gets the same from the
// Linux agent, so both are timed the same way.
//
// Both agents are `zavera serve` built with the build tag zavera_script
// (no prompt is shown, none is asked for here) serving the same
// software key, so that the figures are about the agent and its platform,
// not about a token's driver. Under Wine the Windows program is a Linux
// process; its working set is read as that process's resident memory
// (VmRSS) from /proc, as the Linux agent's is, and it includes Wine's own
// loader and DLLs, which a real Windows shares between programs. Private
// bytes have no counterpart there, so the private part is the anonymous
// resident memory (RssAnon) on both sides. The wineserver is started beforehand (.ci/wine-bench),
// so a start is zavera.exe's and not the Wine session's. These are
// figures, not a pass/fail.
package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/zavera/zavera/internal/benchfig"
)

const origin = "https://bench.example"

// starts is how many starts each agent's median is taken over, after a
// first one that warms the caches.
const starts = 5

func main() {
	out := flag.String("out", "build/bench.d/windows.jsonl", "JSON lines output")
	linux := flag.String("linux", "build/zavera-script", "the Linux zavera built with -tags zavera_script")
	exe := flag.String("exe", "build/windows-bench/zavera.exe", "zavera.exe built with -tags zavera_script")
	wine := flag.String("wine", "wine", "the wine command (WINEPREFIX set)")
	flag.Parse()
	if err := run(*out, *linux, *exe, *wine); err != nil {
		fmt.Fprintln(os.Stderr, "winbench:", err)
		os.Exit(1)
	}
}

// platform is how one agent is started: its command line before the
// arguments of serve, and how a path is written for it.
type platform struct {
	name string
	argv []string
	path func(string) string
}

// winPath writes a Linux path as Wine's drive Z: names it.
func winPath(p string) string { return `Z:` + strings.ReplaceAll(p, "/", `\`) }

type measured struct {
	startMS          float64
	rssMB, privateMB float64
	all              []float64
}

func run(out, linux, exe, wine string) error {
	dir, err := os.MkdirTemp("", "winbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for _, p := range []string{linux, exe} {
		if _, err := os.Stat(p); err != nil {
			return err
		}
	}
	if linux, err = filepath.Abs(linux); err != nil {
		return err
	}
	if exe, err = filepath.Abs(exe); err != nil {
		return err
	}
	keyFile, certFile, err := writeKey(dir)
	if err != nil {
		return err
	}
	plats := []platform{
		{name: "linux", argv: []string{linux}, path: func(p string) string { return p }},
		{name: "windows", argv: []string{wine, exe}, path: winPath},
	}
	res := map[string]measured{}
	for _, p := range plats {
		state := filepath.Join(dir, p.name)
		if err := os.MkdirAll(state, 0o700); err != nil {
			return err
		}
		cfg := filepath.Join(state, "config.json")
		if err := os.WriteFile(cfg, []byte(`{"origins": ["`+origin+`"], "noModuleDiscovery": true}`), 0o600); err != nil {
			return err
		}
		args := []string{"serve", "--headless", "--config", p.path(cfg), "--key", p.path(keyFile), "--cert", p.path(certFile)}
		m, err := measure(p, args)
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		res[p.name] = m
	}
	l, w := res["linux"], res["windows"]
	note := fmt.Sprintf("zavera.exe under Wine (%s) against the Linux agent in the same run; median of %d starts (ms: Windows %s, Linux %s)",
		wineVersion(wine), starts, list(w.all), list(l.all))
	memNote := "idle, a second after its first answer; under Wine the process's resident memory (VmRSS) as Linux sees it, Wine's loader and DLLs included"
	figs := []benchfig.Figure{
		{Name: "windows: agent start under Wine, exec to accepting connections (vs Linux)", Value: w.startMS, Unit: "ms",
			Reference: l.startMS, Ratio: l.startMS / w.startMS, Note: note},
		{Name: "windows: agent idle working set under Wine (vs Linux resident)", Value: w.rssMB, Unit: "MB",
			Reference: l.rssMB, Ratio: l.rssMB / w.rssMB, Note: memNote},
		{Name: "windows: agent idle private memory under Wine (vs Linux)", Value: w.privateMB, Unit: "MB",
			Reference: l.privateMB, Ratio: l.privateMB / w.privateMB, Note: "anonymous resident memory (RssAnon); " + memNote},
	}
	return benchfig.Write(out, figs, os.Stdout)
}

func list(v []float64) string {
	var s []string
	for _, x := range v {
		s = append(s, strconv.FormatFloat(x, 'f', 0, 64))
	}
	return strings.Join(s, " ")
}

// wineVersion is what `wine --version` says.
func wineVersion(wine string) string {
	b, err := exec.Command(wine, "--version").Output()
	if err != nil {
		return "wine"
	}
	return strings.TrimSpace(string(b))
}

// measure starts the agent starts+1 times, then once more for its memory.
func measure(p platform, args []string) (measured, error) {
	var m measured
	for i := range starts + 1 {
		a, took, err := start(p, args)
		if err != nil {
			return m, err
		}
		a.stop()
		if i > 0 {
			m.all = append(m.all, ms(took))
		}
	}
	sorted := slices.Sorted(slices.Values(m.all))
	m.startMS = sorted[len(sorted)/2]

	a, _, err := start(p, args)
	if err != nil {
		return m, err
	}
	defer a.stop()
	time.Sleep(time.Second)
	pid, err := a.agentPID()
	if err != nil {
		return m, err
	}
	if m.rssMB, err = statusMB(pid, "VmRSS:"); err != nil {
		return m, err
	}
	if m.privateMB, err = statusMB(pid, "RssAnon:"); err != nil {
		return m, err
	}
	return m, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

type agentProc struct {
	cmd  *exec.Cmd
	addr string
	wine bool
}

// start runs the agent on a free port and returns once it answers HTTP
// there, with the time that took from exec.
func start(p platform, args []string) (*agentProc, time.Duration, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, 0, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	argv := append(slices.Clone(p.argv), args...)
	argv = append(argv, "--port", strconv.Itoa(port))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "ZAVERA_SCRIPT_APPROVE=1", "ZAVERA_PKCS11_MODULES=")
	a := &agentProc{cmd: cmd, addr: "127.0.0.1:" + strconv.Itoa(port), wine: p.name == "windows"}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	for {
		err := a.answers()
		if err == nil {
			return a, time.Since(t0), nil
		}
		if time.Since(t0) > 60*time.Second {
			a.stop()
			return nil, 0, fmt.Errorf("agent did not start: %w", err)
		}
		time.Sleep(time.Millisecond)
	}
}

// client asks without keeping connections, so that each poll is a new
// connection as a page's first is.
var client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// answers reports whether the agent answers GET / with any status.
func (a *agentProc) answers() error {
	resp, err := client.Get("http://" + a.addr + "/")
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// stop ends the agent: on Linux as Ctrl-C does, under Wine by killing
// zavera.exe's process, after which start.exe exits.
func (a *agentProc) stop() {
	if pid, err := a.agentPID(); err == nil && a.wine {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	a.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { a.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		a.cmd.Process.Kill()
		<-done
	}
}

// agentPID is the process that runs the agent. Under Wine the wine
// command runs start.exe, which starts zavera.exe as a process of its own
// (a child of no one on the Linux side): it is found by its command line,
// the program and this agent's port.
func (a *agentProc) agentPID() (int, error) {
	if !a.wine {
		return a.cmd.Process.Pid, nil
	}
	port := a.addr[strings.LastIndexByte(a.addr, ':')+1:]
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", n))
		if err != nil {
			continue
		}
		f := strings.FieldsFunc(string(b), func(r rune) bool { return r == 0 || r == ' ' })
		if len(f) > 0 && strings.HasSuffix(strings.ToLower(f[0]), `\zavera.exe`) && slices.Contains(f, port) {
			return n, nil
		}
	}
	return 0, fmt.Errorf("no zavera.exe process serving port %s", port)
}

// statusMB reads a kB field of /proc/PID/status in MB.
func statusMB(pid int, field string) (float64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				return 0, err
			}
			return kb / 1024, nil
		}
	}
	return 0, errors.New("no " + field + " in /proc/" + strconv.Itoa(pid) + "/status")
}

// writeKey writes an ECDSA P-256 key and its self-signed certificate, the
// software token both agents serve.
func writeKey(dir string) (keyFile, certFile string, err error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "winbench"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		return "", "", err
	}
	p8, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return "", "", err
	}
	keyFile, certFile = filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}), 0o600); err != nil {
		return "", "", err
	}
	return keyFile, certFile, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
}
