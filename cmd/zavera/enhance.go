package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/zavera/zavera/cades"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/revocation"
	"github.com/zavera/zavera/tsp"
)

const enhanceUsage = `Usage: zavera enhance --tsa URL [OPTIONS] SIGNATURE OUT

Upgrades a CAdES-BES signature to a long-term one and writes it to OUT
(DER; - for standard output). The signed attributes and the signature
values are kept byte for byte: every signer's signature stays valid.

  --level LEVEL   t (default): add a signature time-stamp (CAdES-T) from the
                  TSA to each signer that has none.
                  x-long-type1: CAdES-X Long Type 1 as CryptoPro makes it:
                  the time-stamp when missing, the signer's certificate
                  path and its revocation data (OCSP or CRL), as references
                  and values, and a CAdES-C time-stamp over them. The
                  signature then validates offline for years.
  --tsa URL       the RFC 3161 time-stamping authority (HTTP).
  --tsa-ca FILE   trust anchors of the TSA (PEM, DER or base64); repeatable.
                  Without one the TSA's signature is checked but its
                  certificate's path is not.
  --ca FILE       x-long-type1: trust anchors the signer's path ends at;
                  repeatable, at least one.
  --certs FILE    x-long-type1: intermediate CA certificates; repeatable.
  --crl FILE      x-long-type1: CRLs to use before fetching; repeatable.
  --offline       x-long-type1: fetch nothing but the time-stamps; the
                  revocation data must come from --crl.
  --timeout DUR   how long to wait for the TSA and responders (default 30s).

Exit status: 0 done, 1 the TSA, a responder or the path failed (or a
certificate was revoked), 2 bad usage or input.`

// enhanceArgs are the parsed arguments of `zavera enhance`.
type enhanceArgs struct {
	level       string
	tsa         string
	tsaCAs, cas []string
	certs, crls []string
	offline     bool
	timeout     time.Duration
	in, out     string
}

func parseEnhanceArgs(args []string) (*enhanceArgs, error) {
	a := &enhanceArgs{level: "t", timeout: 30 * time.Second}
	var operands []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if !strings.HasPrefix(arg, "-") || arg == "-" {
			operands = append(operands, arg)
			continue
		}
		if arg == "--" {
			operands = append(operands, args[i+1:]...)
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		switch name {
		case "h", "help":
			return nil, errHelp
		case "offline":
			if hasValue {
				return nil, fmt.Errorf("--offline takes no value")
			}
			a.offline = true
			continue
		case "level", "tsa", "tsa-ca", "timeout", "ca", "certs", "crl":
		default:
			return nil, fmt.Errorf("unknown option %s", arg)
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("--%s needs a value", name)
			}
			i++
			value = args[i]
		}
		switch name {
		case "level":
			a.level = strings.ToLower(value)
		case "tsa":
			a.tsa = value
		case "tsa-ca":
			a.tsaCAs = append(a.tsaCAs, value)
		case "ca":
			a.cas = append(a.cas, value)
		case "certs":
			a.certs = append(a.certs, value)
		case "crl":
			a.crls = append(a.crls, value)
		case "timeout":
			d, err := time.ParseDuration(value)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("--timeout: %q is not a duration", value)
			}
			a.timeout = d
		}
	}
	switch a.level {
	case "t":
		if len(a.cas)+len(a.certs)+len(a.crls) > 0 || a.offline {
			return nil, fmt.Errorf("--ca, --certs, --crl and --offline go with --level x-long-type1")
		}
	case "x-long-type1", "xlt1":
		a.level = "x-long-type1"
		if len(a.cas) == 0 {
			return nil, fmt.Errorf("--level x-long-type1 needs the signer's trust anchors (--ca)")
		}
	default:
		return nil, fmt.Errorf("--level %q: want t or x-long-type1", a.level)
	}
	if a.tsa == "" {
		return nil, fmt.Errorf("--tsa is required")
	}
	if len(operands) != 2 {
		return nil, fmt.Errorf("want SIGNATURE OUT, got %d arguments", len(operands))
	}
	a.in, a.out = operands[0], operands[1]
	return a, nil
}

// runEnhance implements `zavera enhance`.
func runEnhance(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a, err := parseEnhanceArgs(args)
	if errors.Is(err, errHelp) {
		fmt.Fprintln(stdout, enhanceUsage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "zavera enhance: %v\n\n%s\n", err, enhanceUsage)
		return exitUsage
	}
	sig, err := readInput(a.in, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "zavera enhance: %v\n", err)
		return exitUsage
	}
	roots, err := loadCertificates(a.tsaCAs)
	if err != nil {
		fmt.Fprintf(stderr, "zavera enhance: %v\n", err)
		return exitUsage
	}
	client := &tsp.Client{URL: a.tsa, Verify: &tsp.VerifyOptions{Roots: roots}}
	ctx, cancel := context.WithTimeout(context.Background(), a.timeout)
	defer cancel()
	var out []byte
	if a.level == "t" {
		out, err = cades.AddTimestamp(ctx, sig, client)
	} else {
		var xo *cades.XLongOptions
		if xo, err = xlongOptions(a, client); err != nil {
			fmt.Fprintf(stderr, "zavera enhance: %v\n", err)
			return exitUsage
		}
		out, err = cades.AddXLongType1(ctx, sig, xo)
	}
	if err != nil {
		fmt.Fprintf(stderr, "zavera enhance: %s: %v\n", a.in, err)
		if isInputError(err) {
			return exitUsage
		}
		return exitFailed
	}
	if a.out == "-" {
		_, err = stdout.Write(out)
	} else {
		err = os.WriteFile(a.out, out, 0o644)
	}
	if err != nil {
		fmt.Fprintf(stderr, "zavera enhance: %v\n", err)
		return exitUsage
	}
	return 0
}

// xlongOptions loads the files x-long-type1 needs.
func xlongOptions(a *enhanceArgs, ts cades.Timestamper) (*cades.XLongOptions, error) {
	xo := &cades.XLongOptions{Timestamper: ts, Revocation: &revocation.Options{Offline: a.offline}}
	var err error
	if xo.Roots, err = loadCertificates(a.cas); err != nil {
		return nil, err
	}
	if xo.Intermediates, err = loadCertificates(a.certs); err != nil {
		return nil, err
	}
	for _, name := range a.crls {
		data, err := os.ReadFile(name)
		var l *revocation.CRL
		if err == nil {
			l, err = revocation.ParseCRL(data)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		xo.Revocation.CRLs = append(xo.Revocation.CRLs, l)
	}
	return xo, nil
}

// isInputError reports whether err comes from the signature given rather
// than from the TSA.
func isInputError(err error) bool {
	return errors.Is(err, cms.ErrMalformed) || errors.Is(err, cades.ErrInvalidArgument)
}
