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
	"github.com/zavera/zavera/tsp"
)

const enhanceUsage = `Usage: zavera enhance --tsa URL [OPTIONS] SIGNATURE OUT

Upgrades a CAdES-BES signature to a long-term one and writes it to OUT
(DER; - for standard output). The signed attributes and the signature
values are kept byte for byte: every signer's signature stays valid.

  --level LEVEL   t (default): add a signature time-stamp (CAdES-T) from the
                  TSA to each signer that has none.
  --tsa URL       the RFC 3161 time-stamping authority (HTTP).
  --tsa-ca FILE   trust anchors of the TSA (PEM, DER or base64); repeatable.
                  Without one the TSA's signature is checked but its
                  certificate's path is not.
  --timeout DUR   how long to wait for the TSA (default 30s).

Exit status: 0 done, 1 the TSA failed or refused, 2 bad usage or input.`

// enhanceArgs are the parsed arguments of `zavera enhance`.
type enhanceArgs struct {
	level   string
	tsa     string
	tsaCAs  []string
	timeout time.Duration
	in, out string
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
		case "level", "tsa", "tsa-ca", "timeout":
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
		case "timeout":
			d, err := time.ParseDuration(value)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("--timeout: %q is not a duration", value)
			}
			a.timeout = d
		}
	}
	if a.level != "t" {
		return nil, fmt.Errorf("--level %q: want t", a.level)
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
	out, err := cades.AddTimestamp(ctx, sig, client)
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

// isInputError reports whether err comes from the signature given rather
// than from the TSA.
func isInputError(err error) bool {
	return errors.Is(err, cms.ErrMalformed) || errors.Is(err, cades.ErrInvalidArgument)
}
