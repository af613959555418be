package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/portal"
)

const demoPortalUsage = `Usage: zavera demo-portal --ca FILE [--listen 127.0.0.1:PORT] [--agent-port N]
                          [--host NAME | --origin URL...] [--tls-cert FILE --tls-key FILE] [--verbose]

Runs the demo state-services portal on the loopback interface: login with
a certificate, the organisation registration request signed by its leader,
filings signed as a batch, every signature made through the Zavera agent
and verified by the portal.

  --ca FILE          the CA whose certificates may sign (PEM or DER), for
                     example build/demo-tokens/demo-ca.crt (make demo-tokens).
  --listen ADDR      loopback address to serve on (default 127.0.0.1:8765;
                     port 0 picks a free port).
  --agent-port N     the first port of the range the pages try (default 27413).
  --host NAME        the host name browsers use for the portal: its origin
                     is then http(s)://NAME:PORT (the port it listens on).
  --origin URL       the portal's origin as the browser sees it, when not
                     http(s)://127.0.0.1:PORT and http(s)://localhost:PORT;
                     repeatable. Login challenges are bound to it, and the
                     agent's configuration must list it (devOrigins for
                     http://).
  --tls-cert FILE    serve https with this certificate and key (PEM).
  --tls-key FILE
  --verbose          log every login and verification on stderr.

Prints "zavera: demo portal on URL" once it accepts connections and stops
cleanly on SIGINT or SIGTERM.`

type demoPortalArgs struct {
	ca, listen, tlsCert, tlsKey, host string
	agentPort                         int
	origins                           []string
	verbose                           bool
}

func parseDemoPortalArgs(args []string) (*demoPortalArgs, error) {
	a := &demoPortalArgs{}
	fs := flag.NewFlagSet("demo-portal", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&a.ca, "ca", "", "")
	fs.StringVar(&a.listen, "listen", "127.0.0.1:8765", "")
	fs.StringVar(&a.tlsCert, "tls-cert", "", "")
	fs.StringVar(&a.tlsKey, "tls-key", "", "")
	fs.StringVar(&a.host, "host", "", "")
	fs.IntVar(&a.agentPort, "agent-port", agent.DefaultPort, "")
	fs.BoolVar(&a.verbose, "verbose", false, "")
	fs.Func("origin", "", func(v string) error { a.origins = append(a.origins, v); return nil })
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case a.ca == "":
		return nil, errors.New("--ca is required")
	case (a.tlsCert == "") != (a.tlsKey == ""):
		return nil, errors.New("--tls-cert and --tls-key go together")
	case a.host != "" && len(a.origins) > 0:
		return nil, errors.New("--host and --origin exclude each other")
	case a.agentPort < 1 || a.agentPort > 65535:
		return nil, fmt.Errorf("--agent-port %d out of range", a.agentPort)
	}
	host, _, err := net.SplitHostPort(a.listen)
	if err != nil {
		return nil, fmt.Errorf("--listen %q: %v", a.listen, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("--listen %q: the demo portal serves on the loopback interface only", a.listen)
	}
	return a, nil
}

// runDemoPortal implements `zavera demo-portal`.
func runDemoPortal(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	a, err := parseDemoPortalArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, demoPortalUsage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "zavera demo-portal: %v\n\n%s\n", err, demoPortalUsage)
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "zavera demo-portal: %v\n", err)
		return 1
	}
	caData, err := os.ReadFile(a.ca)
	if err != nil {
		return fail(fmt.Errorf("%v (make demo-tokens provisions the demo CA)", err))
	}
	roots, err := cert.ParseAll(caData)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", a.ca, err))
	}
	var tlsConf *tls.Config
	scheme := "http"
	if a.tlsCert != "" {
		pair, err := tls.LoadX509KeyPair(a.tlsCert, a.tlsKey)
		if err != nil {
			return fail(fmt.Errorf("TLS certificate: %w", err))
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
		scheme = "https"
	}
	ln, err := net.Listen("tcp", a.listen)
	if err != nil {
		return fail(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	origins := a.origins
	if a.host != "" {
		origins = []string{scheme + "://" + net.JoinHostPort(a.host, port)}
	}
	if len(origins) == 0 {
		origins = []string{scheme + "://127.0.0.1:" + port, scheme + "://localhost:" + port}
	}
	level := slog.LevelWarn
	if a.verbose {
		level = slog.LevelInfo
	}
	srv, err := portal.New(portal.Options{
		Origins: origins, Roots: roots, AgentPort: a.agentPort,
		Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
	})
	if err != nil {
		ln.Close()
		return fail(err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, TLSConfig: tlsConf}
	// HTTP/1.1 only, said outright: zavera is built without the standard
	// library's HTTP/2 code, and ServeTLS would still offer "h2" to a
	// browser that then gets no answer.
	hs.Protocols = new(http.Protocols)
	hs.Protocols.SetHTTP1(true)
	errc := make(chan error, 1)
	go func() {
		if tlsConf != nil {
			errc <- hs.ServeTLS(ln, "", "")
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(stdout, "zavera: demo portal on %s/\n", origins[0])
	if f, ok := stdout.(*os.File); ok {
		f.Sync()
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	hs.Shutdown(sctx)
	srv.Close()
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fail(serveErr)
	}
	return 0
}
