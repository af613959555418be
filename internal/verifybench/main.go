//go:build linux

// Command verifybench measures the verification of GOST CAdES-BES
// signatures with package validate against OpenSSL in the same run, and
// the requests per second of `zavera verify-server`, and writes the
// figures as JSON lines for benchreport.
//
// Two signatures are verified, each detached over its document with the
// chain to its CA: CryptoARM's GOST R 34.10-2012 256-bit signature of the
// shared real-world set (checked at its signing time, when its
// certificate was valid), and one that package cms makes here with a key
// and CA made by openssl.
//
// Every rate is per second of CPU time of the process doing the work, not
// of the wall clock, so that other work on the machine changes the
// figures less: on a machine that runs nothing else the two are the same.
//
// Zavera's side is validate.Validate on the DER with GOMAXPROCS=1 (the
// collector's work counted): parse, digest, signature, signing
// certificate attribute, path to the anchor, the ETSI verdict and report.
// It is set against two references:
//   - one process: csrc/verifybench.c, d2i_CMS_ContentInfo + CMS_verify
//     (CMS_BINARY | CMS_CADES) in a loop that times itself, engine loading
//     not counted. This is the reference of the ratio to meet (≥ 1.0).
//   - a process per signature: `openssl cms -verify -binary` run again and
//     again, the CPU time of each whole process counted (start and engine
//     loading included), as a portal that shells out to openssl pays it.
//     The openssl command cannot verify a batch of files in one process
//     (OpenSSL 3 reads no commands from standard input), hence the
//     harness above for the one-process figure.
//
// verify-server: the built binary runs with GOMAXPROCS set to all CPUs and
// without revocation checks, as validate runs in process, its log read
// from a pipe as a supervisor would; clients in this process keep twice
// as many keep-alive connections busy posting the real-world signature
// with its document as a form (the run fails if they open more than four
// times as many connections, as they would without keep-alive). The
// figure is the requests answered 200 PASSED per CPU second of the server
// process (its /proc/PID/stat, all threads), that is per fully used core,
// set against the in-process rate of the same signature (goal ≥ 0.8), and
// against the in-process rate of validation and the JSON report together,
// which leaves what HTTP, the form and the access log cost. Both
// references are measured after each of the server's rounds, so that the
// two sides see the same load from the rest of the machine. The note
// gives the wall-clock requests per second and how many cores the server
// used; the clients run on the same cores. -server-only measures only
// this.
//
// Runs alternate between the sides and the best of several rounds is kept
// on each. It reads /proc and getrusage: Linux only.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/internal/benchfig"
	"github.com/zavera/zavera/validate"
)

type figure = benchfig.Figure

// subject is one signature to verify with what both sides need.
type subject struct {
	name    string
	sigDER  string // file of the signature's DER
	content string // file of the document
	caPEM   string // file of the CA certificate, PEM
	at      time.Time
	// for validate
	der, doc []byte
	anchors  []*cert.Certificate
}

func main() {
	out := flag.String("out", "build/bench.d/verify.jsonl", "JSON lines output")
	ossl := flag.String("ossl", "build/verifybench/verifybench-ossl", "the OpenSSL one-process reference harness")
	zavera := flag.String("zavera", "build/zavera", "the zavera binary, for verify-server")
	conf := flag.String("openssl-conf", "testdata/openssl-gost.cnf", "OpenSSL configuration loading the GOST engine")
	realworld := flag.String("realworld", "../shared/realworld", "the shared real-world signatures")
	dir := flag.String("dir", "build/verifybench", "scratch folder")
	rounds := flag.Int("rounds", 3, "alternating rounds per figure")
	seconds := flag.Float64("seconds", 2, "seconds per run")
	serverOnly := flag.Bool("server-only", false, "measure only verify-server against validate in process, not OpenSSL")
	flag.Parse()
	cpus := runtime.NumCPU()
	runtime.GOMAXPROCS(1)
	env := append(os.Environ(), "OPENSSL_CONF="+*conf)
	d := time.Duration(*seconds * float64(time.Second))

	rw, err := realWorldSubject(*realworld, *dir)
	if err != nil {
		fail(err)
	}
	subjects := []*subject{rw}
	if !*serverOnly {
		own, err := ownSubject(env, *dir)
		if err != nil {
			fail(err)
		}
		subjects = append(subjects, own)
	}
	var figs []figure
	for _, s := range subjects {
		if *serverOnly {
			break
		}
		if err := s.check(env); err != nil {
			fail(err)
		}
		var ours, oneProc, perProc float64
		for range *rounds {
			r, err := s.harness(env, *ossl, *seconds)
			if err != nil {
				fail(err)
			}
			oneProc = max(oneProc, r)
			if r, err = s.processes(env, d); err != nil {
				fail(err)
			}
			perProc = max(perProc, r)
			ours = max(ours, loop(d, s.validate))
		}
		figs = append(figs,
			figure{Name: "verify CAdES-BES GOST-256 " + s.name + " vs OpenSSL in one process", Value: ours, Unit: "ops/s",
				Reference: oneProc, Ratio: ours / oneProc,
				Note: "per CPU second: validate.Validate (verdict and report) vs d2i + CMS_verify(CMS_BINARY|CMS_CADES) looping in one process, one thread"},
			figure{Name: "verify CAdES-BES GOST-256 " + s.name + " vs openssl cms -verify per file", Value: ours, Unit: "ops/s",
				Reference: perProc, Ratio: ours / perProc,
				Note: "per CPU second: validate.Validate vs one `openssl cms -verify -binary` process per signature, start and engine loading counted"})
	}

	sr, err := serverRate(*zavera, rw, d, *rounds, cpus)
	if err != nil {
		fail(err)
	}
	figs = append(figs, figure{Name: "verify-server requests per core vs in-process", Value: sr.perCPU, Unit: "req/s",
		Reference: sr.inProcess, Ratio: sr.perCPU / sr.inProcess,
		Note: fmt.Sprintf("POST /v1/verify of %s with its document over keep-alive HTTP, per CPU second of the server; %.0f req/s wall clock using %.2f of %d cores, clients on the same cores; reference validate.Validate in process, measured between the server's rounds", rw.name, sr.wall, sr.cores, cpus)},
		figure{Name: "verify-server requests per core vs in-process with the JSON report", Value: sr.perCPU, Unit: "req/s",
			Reference: sr.inProcessReport, Ratio: sr.perCPU / sr.inProcessReport,
			Note: "the same, reference validate.Validate and the JSON encoding of Report.Simple in process: what HTTP, the form and the access log cost"})
	if err := benchfig.Write(*out, figs, os.Stdout); err != nil {
		fail(err)
	}
}

// realWorldSubject is CryptoARM's detached GOST 2012-256 signature.
func realWorldSubject(rwDir, dir string) (*subject, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	sigData, err := os.ReadFile(filepath.Join(rwDir, "cms_gost2012-256_detached_cryptoarm_sign2012-256_det.txt.sig.pem"))
	if err != nil {
		return nil, err
	}
	der, err := cms.Decode(sigData)
	if err != nil {
		return nil, err
	}
	caData, err := os.ReadFile(filepath.Join(rwDir, "ca_root_cryptopro-test-uc-2012_gost2012-256.cer"))
	if err != nil {
		return nil, err
	}
	cas, err := cert.ParseAll(caData)
	if err != nil {
		return nil, err
	}
	s := &subject{name: "CryptoARM (real-world)", sigDER: filepath.Join(dir, "cryptoarm.der"),
		content: filepath.Join(rwDir, "content_cryptoarm_test_crlf.txt"), caPEM: filepath.Join(dir, "cryptopro-ca.pem"), der: der, anchors: cas}
	if err := os.WriteFile(s.sigDER, der, 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(s.caPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cas[0].Raw}), 0o644); err != nil {
		return nil, err
	}
	if s.doc, err = os.ReadFile(s.content); err != nil {
		return nil, err
	}
	return s, nil
}

// ownSubject makes a CA and a signer's key with openssl and a detached
// signature over 1 KiB with package cms.
func ownSubject(env []string, dir string) (*subject, error) {
	s := &subject{name: "made by Zavera", sigDER: filepath.Join(dir, "own.der"), content: filepath.Join(dir, "own-content.bin"),
		caPEM: filepath.Join(dir, "own-ca.pem")}
	caKey, eeKey, eeCert := filepath.Join(dir, "own-ca.key"), filepath.Join(dir, "own-ee.key"), filepath.Join(dir, "own-ee.pem")
	ext := filepath.Join(dir, "own-ee.ext")
	if err := os.WriteFile(ext, []byte("keyUsage = critical, digitalSignature, nonRepudiation\n"), 0o644); err != nil {
		return nil, err
	}
	s.doc = make([]byte, 1024)
	rand.Read(s.doc)
	if err := os.WriteFile(s.content, s.doc, 0o644); err != nil {
		return nil, err
	}
	for _, args := range [][]string{
		{"genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:TCA", "-out", caKey},
		{"req", "-new", "-x509", "-key", caKey, "-md_gost12_256", "-days", "30", "-subj", "/CN=Zavera verify bench CA",
			"-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", s.caPEM},
		{"genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:TCA", "-out", eeKey},
		{"req", "-new", "-key", eeKey, "-md_gost12_256", "-subj", "/CN=Zavera verify bench signer", "-out", filepath.Join(dir, "own-ee.csr")},
		{"x509", "-req", "-in", filepath.Join(dir, "own-ee.csr"), "-CA", s.caPEM, "-CAkey", caKey, "-CAcreateserial",
			"-days", "30", "-md_gost12_256", "-extfile", ext, "-out", eeCert},
	} {
		cmd := exec.Command("openssl", args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	keyPEM, err := os.ReadFile(eeKey)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return nil, fmt.Errorf("%s: no PEM", eeKey)
	}
	key, err := gost.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	ee, err := readCerts(eeCert)
	if err != nil {
		return nil, err
	}
	if s.anchors, err = readCerts(s.caPEM); err != nil {
		return nil, err
	}
	if s.der, err = cms.Sign(bytes.NewReader(s.doc), cms.Signer{Key: key, Certificate: ee[0]}, nil); err != nil {
		return nil, err
	}
	return s, os.WriteFile(s.sigDER, s.der, 0o644)
}

func readCerts(name string) ([]*cert.Certificate, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return cert.ParseAll(data)
}

// validate is one in-process verification; anything but PASSED is an
// error.
func (s *subject) validate() error {
	rep, err := validate.Validate(s.der, &validate.Options{Content: bytes.NewReader(s.doc), Anchors: s.anchors})
	if err != nil {
		return err
	}
	if rep.Indication() != validate.Passed {
		return fmt.Errorf("%s: %s", s.name, rep.Indication())
	}
	s.at = rep.Signatures[0].ValidationTime
	return nil
}

// validateAndReport is validate and the JSON report a server answers.
func (s *subject) validateAndReport() error {
	rep, err := validate.Validate(s.der, &validate.Options{Content: bytes.NewReader(s.doc), Anchors: s.anchors})
	if err != nil {
		return err
	}
	_, err = json.Marshal(rep.Simple())
	return err
}

// check makes sure both sides accept the signature before timing them.
func (s *subject) check(env []string) error {
	if err := s.validate(); err != nil {
		return err
	}
	cmd := exec.Command("openssl", s.opensslArgs()...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("openssl cms -verify %s: %v\n%s", s.name, err, out)
	}
	return nil
}

// opensslArgs verify the signature with openssl at the time validate
// checked it.
func (s *subject) opensslArgs() []string {
	return []string{"cms", "-verify", "-binary", "-inform", "DER", "-in", s.sigDER, "-content", s.content,
		"-CAfile", s.caPEM, "-purpose", "any", "-attime", strconv.FormatInt(s.at.Unix(), 10), "-out", os.DevNull}
}

// harness runs the one-process reference and returns verifications per
// CPU second.
func (s *subject) harness(env []string, bin string, seconds float64) (float64, error) {
	cmd := exec.Command(bin, s.sigDER, s.content, s.caPEM, strconv.FormatInt(s.at.Unix(), 10), strconv.FormatFloat(seconds, 'f', 3, 64))
	cmd.Env = env
	return benchfig.HarnessRate(cmd)
}

// processes runs `openssl cms -verify` one process after another for d
// of wall time and returns verifications per CPU second of those
// processes.
func (s *subject) processes(env []string, d time.Duration) (float64, error) {
	n := 0
	var cpu time.Duration
	start := time.Now()
	for {
		cmd := exec.Command("openssl", s.opensslArgs()...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			return 0, fmt.Errorf("openssl: %v\n%s", err, out)
		}
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		n++
		if time.Since(start) >= d && cpu > 0 {
			return float64(n) / cpu.Seconds(), nil
		}
	}
}

// loop runs op for d of this process's CPU time and returns operations
// per CPU second.
func loop(d time.Duration, op func() error) float64 {
	runtime.GC()
	n := 0
	start := selfCPU()
	for {
		if err := op(); err != nil {
			fail(err)
		}
		n++
		if el := selfCPU() - start; el >= d {
			return float64(n) / el.Seconds()
		}
	}
}

// selfCPU is the CPU time this process has used, all threads.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fail(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU is the CPU time process pid has used, from /proc/PID/stat.
func procCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name in parentheses may hold spaces: count fields
	// after its closing parenthesis. utime and stime are fields 14 and
	// 15 of the line, 12 and 13 after the name.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	const ticks = 100 // USER_HZ, 100 on Linux
	return time.Duration(ut+st) * time.Second / ticks, nil
}

// serverFigures are verify-server's figures and their references.
type serverFigures struct {
	// perCPU is the best round's requests per CPU second of the server,
	// wall its requests per second and cores the CPUs it used.
	perCPU, wall, cores float64
	// inProcess and inProcessReport are the best rates of validate, and
	// of validate with the JSON report, in this process between the
	// server's rounds.
	inProcess, inProcessReport float64
}

// serverRate starts `zavera verify-server` and measures it in rounds, each
// followed by the in-process references, so that both sides see the same
// machine; the best of the rounds is kept on each side.
func serverRate(bin string, s *subject, d time.Duration, rounds, cpus int) (f serverFigures, err error) {
	// Revocation is not checked in process either: --no-revocation
	// keeps the two sides doing the same work (and the server off the
	// network).
	cmd := exec.Command(bin, "verify-server", "--listen", "127.0.0.1:0", "--ca", s.caPEM, "--watch", "0",
		"--max-in-flight", strconv.Itoa(64), "--no-revocation")
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(cpus))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return f, err
	}
	if err := cmd.Start(); err != nil {
		return f, err
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	url, err := waitListening(stderr)
	if err != nil {
		return f, err
	}
	go io.Copy(io.Discard, stderr)
	for end := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(end) {
			return f, errors.New("verify-server never ready")
		}
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, _ := mw.CreateFormFile("signature", "sig")
	w.Write(s.der)
	w, _ = mw.CreateFormFile("content", "doc")
	w.Write(s.doc)
	mw.Close()
	clients := 2 * cpus
	// Each client keeps its connection: a new connection per request
	// would add the server's accept and handshake to every figure.
	// dials counts the connections opened, checked after each round.
	var dials atomic.Int64
	dialer := &net.Dialer{}
	tr := &http.Transport{MaxIdleConnsPerHost: clients, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return dialer.DialContext(ctx, network, addr)
	}}
	client := &http.Client{Transport: tr}
	post := func() error {
		resp, err := client.Post(url+"/v1/verify", mw.FormDataContentType(), bytes.NewReader(body.Bytes()))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != 200 || resp.Header.Get("Zavera-Indication") != "PASSED" {
			return fmt.Errorf("verify-server: %s, %q", resp.Status, resp.Header.Get("Zavera-Indication"))
		}
		return nil
	}
	if err := post(); err != nil {
		return f, err
	}
	runtime.GOMAXPROCS(cpus)
	defer runtime.GOMAXPROCS(1)
	for range rounds {
		cpu0, err := procCPU(cmd.Process.Pid)
		if err != nil {
			return f, err
		}
		var n atomic.Int64
		var firstErr error
		var once sync.Once
		var wg sync.WaitGroup
		start := time.Now()
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Since(start) < d {
					if err := post(); err != nil {
						once.Do(func() { firstErr = err })
						return
					}
					n.Add(1)
				}
			}()
		}
		wg.Wait()
		el := time.Since(start)
		if firstErr != nil {
			return f, firstErr
		}
		cpu1, err := procCPU(cmd.Process.Pid)
		if err != nil {
			return f, err
		}
		used := (cpu1 - cpu0).Seconds()
		if r := float64(n.Load()) / used; used > 0 && r > f.perCPU {
			f.perCPU, f.wall, f.cores = r, float64(n.Load())/el.Seconds(), used/el.Seconds()
		}
		// A client that posts again before its connection is back in
		// the idle pool dials another, which then stays; without
		// keep-alive there would be one per request.
		if n := dials.Load(); n > 4*int64(clients) {
			return f, fmt.Errorf("verify-server: %d connections for %d clients: keep-alive failed", n, clients)
		}
		runtime.GOMAXPROCS(1)
		f.inProcess = max(f.inProcess, loop(d, s.validate))
		f.inProcessReport = max(f.inProcessReport, loop(d, s.validateAndReport))
		runtime.GOMAXPROCS(cpus)
	}
	return f, nil
}

// waitListening reads the server's log until it says where it listens.
func waitListening(r io.Reader) (string, error) {
	dec := json.NewDecoder(r)
	for {
		var l struct{ Msg, Addr string }
		if err := dec.Decode(&l); err != nil {
			return "", fmt.Errorf("verify-server log: %w", err)
		}
		if l.Msg == "listening" {
			return "http://" + l.Addr, nil
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "verifybench:", err)
	os.Exit(1)
}
