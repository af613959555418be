//go:build linux

// Command validatebench measures, for `make bench`, how many signatures
// per second validate.Validate judges against OpenSSL in the same run:
// CryptoARM's CAdES-BES and its CAdES-X Long Type 1 of the real-world set,
// the latter validated offline with its certificate and revocation values
// and both time-stamps. Each is measured against OpenSSL's CMS_verify of
// the same file, which checks less for the X Long one (no revocation, no
// time-stamps): that figure is the cost of the long-term checks against
// the bare signature check. The X Long one is also measured against
// OpenSSL doing the same checks (the harness's xlong mode: both time-stamp
// tokens with TS_RESP_verify_token and the OCSP response with
// OCSP_basic_verify, besides CMS_verify).
package main

import (
	"bytes"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/internal/benchfig"
	"github.com/zavera/zavera/validate"
)

type input struct {
	name, sig, content string
	offline            bool
}

func main() {
	out := flag.String("out", "build/bench.d/validate.jsonl", "JSON lines output")
	ossl := flag.String("ossl", "build/verifybench/verifybench-ossl", "the OpenSSL reference harness (internal/verifybench/csrc)")
	conf := flag.String("openssl-conf", "testdata/openssl-gost.cnf", "OpenSSL configuration loading the GOST engine")
	realworld := flag.String("realworld", "../shared/realworld", "the real-world signatures")
	dir := flag.String("dir", "build/validatebench", "scratch folder")
	rounds := flag.Int("rounds", 3, "alternating rounds per figure")
	seconds := flag.Float64("seconds", 2, "seconds per run")
	flag.Parse()
	runtime.GOMAXPROCS(1)
	env := append(os.Environ(), "OPENSSL_CONF="+*conf)
	rw := func(n string) string { return filepath.Join(*realworld, n) }

	anchors, err := loadCerts(rw("ca_root_cryptopro-test-uc-2012_gost2012-256.cer"), rw("ca_root_minkomsvyaz-rossii_2018_gost2012-256.der"))
	if err != nil {
		fail(err)
	}
	tsaCA, err := loadCerts(rw("ca_cryptopro-llc_2019_gost2012-256.der"))
	if err != nil {
		fail(err)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		fail(err)
	}
	caFile := filepath.Join(*dir, "anchors.pem")
	var pemCAs []byte
	for _, c := range anchors {
		pemCAs = append(pemCAs, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	if err := os.WriteFile(caFile, pemCAs, 0o644); err != nil {
		fail(err)
	}
	extraFile := filepath.Join(*dir, "extra.pem")
	var pemExtra []byte
	for _, c := range tsaCA {
		pemExtra = append(pemExtra, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	if err := os.WriteFile(extraFile, pemExtra, 0o644); err != nil {
		fail(err)
	}
	inputs := []input{
		{"CAdES-BES GOST-256 detached (CryptoARM)", "cms_gost2012-256_detached_cryptoarm_sign2012-256_det.txt.sig.pem", "content_cryptoarm_test_crlf.txt", false},
		{"CAdES-X Long Type 1 GOST-256 offline (CryptoARM)", "cms_gost2012-256_detached_cades-x-long-type1_cryptoarm_signCadesDetached.txt.sig", "content_cryptoarm_signCadesDetached.txt", true},
	}
	d := time.Duration(*seconds * float64(time.Second))
	var figs []benchfig.Figure
	for i, in := range inputs {
		sig, err := readDER(rw(in.sig))
		if err != nil {
			fail(err)
		}
		content, err := os.ReadFile(rw(in.content))
		if err != nil {
			fail(err)
		}
		sigFile := filepath.Join(*dir, fmt.Sprintf("sig%d.der", i))
		if err := os.WriteFile(sigFile, sig, 0o644); err != nil {
			fail(err)
		}
		opts := func() *validate.Options {
			o := &validate.Options{Content: bytes.NewReader(content), Anchors: anchors, Certificates: tsaCA}
			if in.offline {
				o.Revocation = &validate.RevocationOptions{Offline: true}
			}
			return o
		}
		rep, err := validate.Validate(sig, opts())
		if err != nil {
			fail(err)
		}
		if rep.Indication() != validate.Passed {
			fail(fmt.Errorf("%s: %s %s %s", in.name, rep.Indication(), rep.Signatures[0].SubIndication, rep.Signatures[0].Detail))
		}
		// The warm figure shares one signature cache across its
		// validations, as a service would; the others keep nothing from
		// one validation to the next.
		cache := cert.NewSignatureCache(64)
		if _, err := validate.Validate(sig, withCache(opts(), cache)); err != nil {
			fail(err)
		}
		var ours, warm, ref, refSame float64
		for range *rounds {
			r, err := reference(env, *ossl, sigFile, rw(in.content), caFile, *seconds)
			if err != nil {
				fail(err)
			}
			ref = max(ref, r)
			if in.offline {
				r, err := reference(env, *ossl, sigFile, rw(in.content), caFile, *seconds, "xlong", extraFile)
				if err != nil {
					fail(err)
				}
				refSame = max(refSame, r)
				warm = max(warm, loop(d, func() error {
					rep, err := validate.Validate(sig, withCache(opts(), cache))
					if err == nil && rep.Indication() != validate.Passed {
						err = errors.New("not passed")
					}
					return err
				}))
			}
			ours = max(ours, loop(d, func() error {
				rep, err := validate.Validate(sig, opts())
				if err == nil && rep.Indication() != validate.Passed {
					err = errors.New("not passed")
				}
				return err
			}))
		}
		note := "validate.Validate with the chain vs OpenSSL d2i + CMS_verify(CMS_BINARY|CMS_CADES), one thread"
		if in.offline {
			note += "; ours also checks the revocation values and both time-stamps, OpenSSL does not"
		}
		figs = append(figs, benchfig.Figure{Name: "validate " + in.name, Value: ours, Unit: "ops/s", Reference: ref, Ratio: ours / ref, Note: note})
		if in.offline {
			figs = append(figs, benchfig.Figure{Name: "validate " + in.name + " vs OpenSSL doing the same checks",
				Value: ours, Unit: "ops/s", Reference: refSame, Ratio: ours / refSame, Note: xlongNote})
			figs = append(figs, benchfig.Figure{Name: "validate " + in.name + " with a warm signature cache vs OpenSSL doing the same checks",
				Value: warm, Unit: "ops/s", Reference: refSame, Ratio: warm / refSame, Note: warmNote})
		}
	}
	if err := benchfig.Write(*out, figs, os.Stdout); err != nil {
		fail(err)
	}
}

func loadCerts(files ...string) ([]*cert.Certificate, error) {
	var out []*cert.Certificate
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		cs, err := cert.ParseAll(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, cs...)
	}
	return out, nil
}

// readDER reads a signature file, PEM or DER.
func readDER(name string) ([]byte, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	if b, _ := pem.Decode(data); b != nil {
		return b.Bytes, nil
	}
	return data, nil
}

// loop runs op for about d of this thread's CPU time and returns
// operations per CPU second, as the OpenSSL harness counts.
func loop(d time.Duration, op func() error) float64 {
	r, err := benchfig.Rate(d, op)
	if err != nil {
		fail(err)
	}
	return r
}

// xlongNote says what each side of the second X Long figure checks.
const xlongNote = "validate.Validate offline vs the OpenSSL harness's xlong mode, one thread; " +
	"both: the CMS signature and the signer's chain, each time-stamp token's TSA signature, signing certificate, " +
	"TSA chain and imprint (over the signature value; for the CAdES-C one over the value, signature time-stamp " +
	"and complete references), and the OCSP response's signature, responder chain and the signer's status; " +
	"ours also checks the complete references against the values, the times (certificates and OCSP freshness " +
	"at the time-stamp's time) and the report; OpenSSL checks no time (certificates unchecked for time, as the " +
	"signature is old)"

// warmNote says what the warm figure leaves out.
const warmNote = "as the figure above, but the validations share a cert.SignatureCache (validate.Options.SignatureCache) " +
	"that already holds the 4 certificate signatures of the file (the signer's, the TSA's, the TSA's CA's, the OCSP responder's): " +
	"what a service validating many signatures of the same signers and CAs pays; the other 4 signatures and every other check " +
	"are made each time; OpenSSL keeps nothing between operations"

func withCache(o *validate.Options, c *cert.SignatureCache) *validate.Options {
	o.SignatureCache = c
	return o
}

// reference runs the OpenSSL harness and returns operations per second of
// its CPU time; mode adds the harness's mode and its arguments.
func reference(env []string, bin, sig, content, ca string, seconds float64, mode ...string) (float64, error) {
	// -1: certificate times unchecked, the signatures are old.
	args := append([]string{sig, content, ca, "-1", strconv.FormatFloat(seconds, 'f', 3, 64)}, mode...)
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	return benchfig.HarnessRate(cmd)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "validatebench:", err)
	os.Exit(1)
}
