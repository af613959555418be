package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/zavera/zavera/internal/verifyserver"
	"github.com/zavera/zavera/validate"
)

const verifyServerUsage = `Usage: zavera verify-server [OPTIONS]

Runs the verification service for portals: an HTTP API that answers
POST /v1/verify with the report 'zavera verify --json' prints, and
/healthz, /readyz and /metrics (Prometheus). It keeps no state and writes
nothing to disk; run as many copies as needed behind a load balancer.
See docs/verification.md, section "Verification service".

  --listen ADDR        address to listen on (default 127.0.0.1:8080).
  --ca FILE            trust anchors (PEM, DER or base64); repeatable.
  --trust-list FILE    the trusted list of accredited CAs (XML).
                       At least one --ca or --trust-list is needed.
  --certs FILE         extra intermediate CA certificates; repeatable.
  --max-body SIZE      largest request body (signature and document
                       together), e.g. 32M (default), 512K or bytes.
  --timeout DURATION   deadline of a request from its body to its answer
                       (default 30s).
  --max-in-flight N    verifications at once; more get 429 (default twice
                       the number of CPUs).
  --watch DURATION     how often the trust files are checked for changes
                       (default 10s; 0 only on SIGHUP).
  --offline            check revocation only with what signatures carry;
                       never touch the network (the reports say so).
  --no-revocation      do not check revocation (the reports say so).

Revocation is checked as 'zavera verify' checks it: with the OCSP
responses and CRLs a signature carries, then the responders and
distribution points its certificates name.

The trust files are read again on SIGHUP or when they change. SIGINT or
SIGTERM stop the service once running requests are answered. The access
log (JSON lines, no document contents) goes to standard error in batches,
each line within 0.1 s. Unless GOGC or GOMEMLIMIT are set, the service
runs with GOGC=400 and a 1 GiB soft memory limit.`

// verifyServerArgs are the parsed options of verify-server.
type verifyServerArgs struct {
	listen                string
	cfg                   verifyserver.Config
	watch                 time.Duration
	offline, noRevocation bool
}

func parseVerifyServerArgs(args []string) (*verifyServerArgs, error) {
	a := &verifyServerArgs{listen: verifyserver.DefaultAddr, watch: 10 * time.Second}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if !strings.HasPrefix(arg, "--") {
			if arg == "-h" {
				return nil, errHelp
			}
			return nil, fmt.Errorf("unexpected argument %q", arg)
		}
		name, value, hasValue := strings.Cut(arg[2:], "=")
		switch name {
		case "help":
			return nil, errHelp
		case "offline", "no-revocation":
			if hasValue {
				return nil, fmt.Errorf("--%s takes no value", name)
			}
			if name == "offline" {
				a.offline = true
			} else {
				a.noRevocation = true
			}
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("--%s needs a value", name)
			}
			i++
			value = args[i]
		}
		var err error
		switch name {
		case "listen":
			a.listen = value
		case "ca":
			a.cfg.Anchors = append(a.cfg.Anchors, value)
		case "certs":
			a.cfg.Certificates = append(a.cfg.Certificates, value)
		case "trust-list":
			if a.cfg.TrustList != "" {
				return nil, fmt.Errorf("--trust-list given twice")
			}
			a.cfg.TrustList = value
		case "max-body":
			a.cfg.MaxBody, err = parseSize(value)
		case "timeout":
			a.cfg.Timeout, err = time.ParseDuration(value)
			if err == nil && a.cfg.Timeout <= 0 {
				err = errors.New("must be positive")
			}
		case "max-in-flight":
			a.cfg.MaxInFlight, err = strconv.Atoi(value)
			if err == nil && a.cfg.MaxInFlight <= 0 {
				err = errors.New("must be positive")
			}
		case "watch":
			a.watch, err = time.ParseDuration(value)
			if err == nil && a.watch < 0 {
				err = errors.New("must not be negative")
			}
		default:
			return nil, fmt.Errorf("unknown option --%s", name)
		}
		if err != nil {
			return nil, fmt.Errorf("--%s %s: %w", name, value, err)
		}
	}
	if len(a.cfg.Anchors) == 0 && a.cfg.TrustList == "" {
		return nil, errors.New("give trust anchors with --ca or --trust-list")
	}
	switch {
	case a.offline && a.noRevocation:
		return nil, errors.New("--no-revocation excludes --offline")
	case !a.noRevocation:
		a.cfg.Revocation = &validate.RevocationOptions{Offline: a.offline}
	}
	return a, nil
}

// parseSize reads a byte count with an optional K, M or G suffix (powers
// of 1024).
func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return 0, errors.New("want a positive size such as 32M")
	}
	return n * mult, nil
}

// runVerifyServer implements `zavera verify-server`.
func runVerifyServer(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	a, err := parseVerifyServerArgs(args)
	if errors.Is(err, errHelp) {
		fmt.Fprintln(stdout, verifyServerUsage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "zavera verify-server: %v\n\n%s\n", err, verifyServerUsage)
		return exitUsage
	}
	// The log goes out in batches (see verifyserver.LogWriter); the
	// messages below go through it too, so that they stay in order.
	logw := verifyserver.NewLogWriter(stderr, 0)
	defer logw.Flush()
	stderr = logw
	log := slog.New(slog.NewJSONHandler(logw, nil))
	a.cfg.Log = log
	gogc, memLimit := verifyserver.TuneCollector(os.Getenv)
	log.Info("collector", "gogc", gogc, "memoryLimitBytes", memLimit)
	// *verifyJSON encodes itself (AppendJSON), as encoding/json would.
	a.cfg.Render = func(r *validate.Report) any { v := reportJSON(r); return &v }
	srv := verifyserver.New(a.cfg)

	ln, err := net.Listen("tcp", a.listen)
	if err != nil {
		fmt.Fprintf(stderr, "zavera verify-server: %v\n", err)
		return 1
	}
	hs := srv.HTTPServer(a.listen)
	log.Info("listening", "addr", ln.Addr().String())
	logw.Flush()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		// The first load runs while the service already answers
		// /healthz; /readyz says when it is done.
		srv.Reload()
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				srv.Reload()
			}
		}
	}()
	if a.watch > 0 {
		go srv.Watch(ctx, a.watch)
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(verifyserver.HoldWrites(ln)) }()
	select {
	case err := <-served:
		fmt.Fprintf(stderr, "zavera verify-server: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	log.Info("stopping")
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.Timeout+5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "zavera verify-server: %v\n", err)
		return 1
	}
	return 0
}
