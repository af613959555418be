package main

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zavera/zavera/agent/localtls"
)

const tlsUsage = `Usage: zavera tls [--dir DIR | --config FILE] [--force]

Makes the local TLS certificate that lets portals reach the agent over
wss://: a new local CA, the loopback certificate it issues for 127.0.0.1,
::1 and localhost, and then the CA's private key is destroyed (it is
never written), so that no other certificate can ever be issued under
it. The CA is also limited to those three names.

The files go into the state folder's tls/ ('zavera serve --tls' serves
them): ca.pem (what the trust stores need; 'zavera install' puts it
there), cert.pem and key.pem.

  --dir DIR      write into DIR instead.
  --config FILE  the configuration whose state folder to use.
  --force        make a new CA even when the present certificate is
                 still valid (the old CA must then leave the trust
                 stores: run 'zavera install' again).

Exit status: 0 made or already valid, 1 failure, 2 bad usage.`

// runTLS implements `zavera tls`.
func runTLS(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tls", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dir := fs.String("dir", "", "")
	config := fs.String("config", "", "")
	force := fs.Bool("force", false, "")
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, tlsUsage)
		return 0
	}
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err == nil && *dir != "" && *config != "" {
		err = errors.New("--dir and --config exclude each other")
	}
	if err != nil {
		fmt.Fprintf(stderr, "zavera tls: %v\n\n%s\n", err, tlsUsage)
		return 2
	}
	if *dir == "" {
		cfg, err := loadAgentConfig(*config)
		if err != nil {
			fmt.Fprintf(stderr, "zavera tls: %v\n", err)
			return 1
		}
		*dir = filepath.Join(cfg.StateDir, "tls")
	}
	now := time.Now()
	made := false
	if _, err := localtls.Load(*dir, now); err != nil || *force {
		if err != nil && !errors.Is(err, localtls.ErrNoCertificate) {
			fmt.Fprintf(stderr, "zavera tls: %v\n", err)
			return 1
		}
		if _, err := localtls.Generate(*dir, now); err != nil {
			fmt.Fprintf(stderr, "zavera tls: %v\n", err)
			return 1
		}
		made = true
	}
	info, err := readLocalTLS(*dir)
	if err != nil {
		fmt.Fprintf(stderr, "zavera tls: %v\n", err)
		return 1
	}
	if made {
		fmt.Fprintf(stdout, "Made a new local CA and loopback certificate in %s; the CA's private key is destroyed.\n", *dir)
	} else {
		fmt.Fprintf(stdout, "The loopback certificate in %s is valid; nothing changed (--force makes a new one).\n", *dir)
	}
	info.print(stdout)
	if made {
		fmt.Fprintln(stdout, "Browsers trust wss:// once the CA is in their trust stores: run 'zavera install'.")
	}
	return 0
}

// localTLSInfo describes the loopback certificate in a folder.
type localTLSInfo struct {
	Dir        string    `json:"dir"`
	CAFile     string    `json:"ca_file"`
	CASubject  string    `json:"ca_subject"`
	CASHA256   string    `json:"ca_sha256"`
	Names      []string  `json:"names"`
	NotBefore  time.Time `json:"not_before"`
	NotAfter   time.Time `json:"not_after"`
	IssuedByCA bool      `json:"issued_by_ca"`
	ca, leaf   *x509.Certificate
	caPEM      []byte
}

func readLocalTLS(dir string) (*localTLSInfo, error) {
	caPEM, err := os.ReadFile(filepath.Join(dir, localtls.CAFile))
	if err != nil {
		return nil, fmt.Errorf("local TLS: %w", err)
	}
	ca, err := firstCert(caPEM)
	if err != nil {
		return nil, fmt.Errorf("local TLS: %s: %w", localtls.CAFile, err)
	}
	certPEM, err := os.ReadFile(filepath.Join(dir, localtls.CertFile))
	if err != nil {
		return nil, fmt.Errorf("local TLS: %w", err)
	}
	leaf, err := firstCert(certPEM)
	if err != nil {
		return nil, fmt.Errorf("local TLS: %s: %w", localtls.CertFile, err)
	}
	sum := sha256.Sum256(ca.Raw)
	info := &localTLSInfo{
		Dir: dir, CAFile: filepath.Join(dir, localtls.CAFile), CASubject: ca.Subject.CommonName,
		CASHA256:  strings.ToUpper(hex.EncodeToString(sum[:])),
		NotBefore: leaf.NotBefore.UTC(), NotAfter: leaf.NotAfter.UTC(),
		IssuedByCA: leaf.CheckSignatureFrom(ca) == nil,
		ca:         ca, leaf: leaf, caPEM: caPEM,
	}
	info.Names = append(info.Names, leaf.DNSNames...)
	for _, ip := range leaf.IPAddresses {
		info.Names = append(info.Names, ip.String())
	}
	return info, nil
}

func firstCert(data []byte) (*x509.Certificate, error) {
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate")
	}
	return x509.ParseCertificate(b.Bytes)
}

func (i *localTLSInfo) print(w io.Writer) {
	fmt.Fprintf(w, "  CA:            %s\n", i.CAFile)
	fmt.Fprintf(w, "  CA name:       %s\n", i.CASubject)
	fmt.Fprintf(w, "  CA SHA-256:    %s\n", i.CASHA256)
	fmt.Fprintf(w, "  Names:         %s\n", strings.Join(i.Names, ", "))
	fmt.Fprintf(w, "  Valid:         %s to %s\n", i.NotBefore.Format(time.DateOnly), i.NotAfter.Format(time.DateOnly))
}
