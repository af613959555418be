// Command uibench measures the desktop side of Zavera for `make bench`,
// each figure against a reference measured in the same run:
//
//   - the idle resident memory of `zavera serve` with its tray icon,
//     against a Fyne application that keeps only a tray menu and its
//     event loop (fyneref -mode tray), which is how a Fyne tray agent is
//     usually built;
//   - the time from a signing request reaching the prompter to the
//     signing window being on screen (the window process reports it),
//     against the time a plain one-label Fyne window process takes to
//     come up (fyneref -mode window): the floor of opening any window in
//     a new Fyne process. It is measured cold (the first prompt after a
//     quiet spell starts `zavera-ui prompt`) and within a session (the
//     spare process started after the previous prompt shows it).
//
// It needs a display and a D-Bus session bus: the Makefile runs it under
// xvfb-run and dbus-run-session. Ratios above 1 mean Zavera does better.
package main

import (
	"bufio"
	"context"
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
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/internal/benchfig"
	"github.com/zavera/zavera/ui/i18n"
	"github.com/zavera/zavera/ui/prompter"
	"github.com/zavera/zavera/ui/wire"
)

func main() {
	zavera := flag.String("zavera", "build/zavera", "the zavera binary, with zavera-ui beside it")
	zaveraUI := flag.String("zavera-ui", "build/zavera-ui", "the zavera-ui binary")
	ref := flag.String("ref", "build/fyneref", "the reference Fyne program")
	out := flag.String("out", "build/bench.d/ui.jsonl", "figures output")
	runs := flag.Int("n", 7, "windows opened per measurement")
	flag.Parse()
	figs, err := measure(*zavera, *zaveraUI, *ref, *runs)
	if err != nil {
		fmt.Fprintln(os.Stderr, "uibench:", err)
		os.Exit(1)
	}
	if err := benchfig.Write(*out, figs, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "uibench:", err)
		os.Exit(1)
	}
}

func measure(zavera, zaveraUI, ref string, runs int) ([]benchfig.Figure, error) {
	if os.Getenv("DISPLAY") == "" || os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return nil, errors.New("needs DISPLAY and DBUS_SESSION_BUS_ADDRESS: run under xvfb-run and dbus-run-session")
	}
	dir, err := os.MkdirTemp("", "zavera-uibench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	key, crt, err := writeKey(dir)
	if err != nil {
		return nil, err
	}
	agentRSS, err := idleRSS(exec.Command(zavera, "serve", "--key", key, "--cert", crt, "--port", "0",
		"--config", filepath.Join(dir, "config.json")), "zavera: listening")
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	refRSS, err := idleRSS(exec.Command(ref, "-mode", "tray"), "ready")
	if err != nil {
		return nil, fmt.Errorf("reference tray: %w", err)
	}
	show, err := timeToWindow(zaveraUI, runs, false)
	if err != nil {
		return nil, fmt.Errorf("signing window: %w", err)
	}
	warm, err := timeToWindow(zaveraUI, runs+1, true)
	if err != nil {
		return nil, fmt.Errorf("signing window with a spare: %w", err)
	}
	warm = warm[1:] // the first is cold
	var refShow []time.Duration
	for range runs {
		d, err := timeToLine(exec.Command(ref, "-mode", "window"), "ready")
		if err != nil {
			return nil, fmt.Errorf("reference window: %w", err)
		}
		refShow = append(refShow, d)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	zs, rs, ws := median(show), median(refShow), median(warm)
	return []benchfig.Figure{
		{Name: "ui: idle agent resident memory with the tray (vs a Fyne tray app)", Value: agentRSS, Unit: "MB",
			Reference: refRSS, Ratio: refRSS / agentRSS,
			Note: "zavera serve on a software key, tray over D-Bus, no window; goal <= 40 MB"},
		{Name: "ui: signing request to window shown, median (vs a plain Fyne window process)", Value: ms(zs), Unit: "ms",
			Reference: ms(rs), Ratio: ms(rs) / ms(zs),
			Note: fmt.Sprintf("cold: zavera-ui prompt started per request, %d runs under Xvfb; goal <= 300 ms", runs)},
		{Name: "ui: signing request to window shown within a session, median (vs a plain Fyne window process)", Value: ms(ws), Unit: "ms",
			Reference: ms(rs), Ratio: ms(rs) / ms(ws),
			Note: fmt.Sprintf("the spare window process started after the previous prompt shows it, %d runs; goal <= 300 ms", runs)},
	}, nil
}

// idleRSS starts cmd, waits for its ready line and a few idle seconds,
// reads its resident memory in MB, then stops it with SIGTERM and checks
// that it exits cleanly.
func idleRSS(cmd *exec.Cmd, ready string) (float64, error) {
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer cmd.Process.Kill()
	if err := waitLine(out, ready, 20*time.Second); err != nil {
		return 0, err
	}
	time.Sleep(3 * time.Second)
	kb, err := rssKB(cmd.Process.Pid)
	if err != nil {
		return 0, err
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == -1) {
			return 0, fmt.Errorf("did not stop cleanly: %w", err)
		}
	case <-time.After(10 * time.Second):
		return 0, errors.New("did not stop on SIGTERM")
	}
	return float64(kb) / 1024, nil
}

func rssKB(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			return strconv.Atoi(f[1])
		}
	}
	return 0, errors.New("no VmRSS")
}

func waitLine(r interface{ Read([]byte) (int, error) }, want string, limit time.Duration) error {
	found := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if strings.Contains(sc.Text(), want) {
				found <- nil
				for sc.Scan() {
				}
				return
			}
		}
		found <- fmt.Errorf("ended before %q", want)
	}()
	select {
	case err := <-found:
		return err
	case <-time.After(limit):
		return fmt.Errorf("no %q within %v", want, limit)
	}
}

// timeToLine runs cmd and returns how long it took to print want.
func timeToLine(cmd *exec.Cmd, want string) (time.Duration, error) {
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	if err := waitLine(out, want, 20*time.Second); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// timeToWindow asks the prompter to confirm a signature runs times and
// returns how long each window took to show; each is cancelled once up.
func timeToWindow(zaveraUI string, runs int, spare bool) ([]time.Duration, error) {
	var got []time.Duration
	var cancel context.CancelFunc
	o := prompter.Options{
		Command: func() *exec.Cmd { return exec.Command(zaveraUI, "prompt") },
		Lang:    i18n.English,
		Shown: func(_ wire.Kind, d time.Duration) {
			got = append(got, d)
			cancel()
		},
	}
	if spare {
		o.Spare = func() *exec.Cmd { return exec.Command(zaveraUI, "prompt", "--spare") }
		o.SpareFor = time.Minute
	}
	p, err := prompter.New(o)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	c := &cert.Certificate{Subject: cert.Name{CommonName: "Bench", Organization: "Zavera"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour)}
	for range runs {
		var ctx context.Context
		ctx, cancel = context.WithTimeout(context.Background(), 20*time.Second)
		p.ConfirmSigning(ctx, agent.SigningRequest{Kind: agent.SignDocument, Origin: "https://lk.gosuslugi.ru",
			Description: "Заявление", Files: []agent.FileInfo{{Name: "a.xml", Size: 100}}, Certificate: c, Count: 1})
		cancel()
		if spare {
			time.Sleep(time.Second) // the user reads; the spare gets ready
		}
	}
	if len(got) != runs {
		return nil, fmt.Errorf("%d of %d windows reported shown", len(got), runs)
	}
	return got, nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// writeKey writes a P-256 key and a self-signed certificate for the
// agent's software token.
func writeKey(dir string) (keyFile, certFile string, err error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Zavera bench"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
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
	return keyFile, certFile, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}
