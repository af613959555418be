// Command certbench measures package cert against references in the same
// run and writes one JSON line per figure for `make bench`:
//
//   - parsing a real GOST certificate: cert.Parse against crypto/x509
//     (which parses it too, leaving the key unusable);
//   - parsing and verifying a real GOST chain link (an accredited CA under
//     the 2018 root): cert.Parse + cert.VerifyChain against `openssl
//     verify` with the GOST engine, whose per-certificate cost is taken
//     from one run over many copies minus a run over one, so that process
//     start-up cancels out;
//   - verifying an ECDSA P-256 chain: cert.VerifyChain against
//     crypto/x509's Verify.
//
// Times are per operation; ratio = reference time / Zavera time, so above
// 1.0 means Zavera is faster.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/internal/benchfig"
)

type figure = benchfig.Figure

func main() {
	out := flag.String("out", "build/bench.d/cert.jsonl", "JSON lines output")
	realworld := flag.String("realworld", "../shared/realworld", "folder of real certificates")
	conf := flag.String("openssl-conf", "testdata/openssl-gost.cnf", "OpenSSL configuration loading the GOST engine")
	copies := flag.Int("copies", 400, "certificates per openssl verify run")
	flag.Parse()
	if err := run(*out, *realworld, *conf, *copies); err != nil {
		fmt.Fprintln(os.Stderr, "certbench:", err)
		os.Exit(1)
	}
}

func run(out, realworld, conf string, copies int) error {
	leafDER, err := os.ReadFile(filepath.Join(realworld, "ca_tensor_2019_gost2012-256.der"))
	if err != nil {
		return err
	}
	rootDER, err := os.ReadFile(filepath.Join(realworld, "ca_root_minkomsvyaz-rossii_2018_gost2012-256.der"))
	if err != nil {
		return err
	}
	root, err := cert.Parse(rootDER)
	if err != nil {
		return err
	}
	leaf, err := cert.Parse(leafDER)
	if err != nil {
		return err
	}
	at := leaf.NotBefore.Add(24 * time.Hour)
	if _, err := cert.VerifyChain(leaf, nil, []*cert.Certificate{root}, at); err != nil {
		return fmt.Errorf("real chain does not verify: %w", err)
	}
	var figs []figure

	// Parsing.
	zp := nsPerOp(func() {
		if _, err := cert.Parse(leafDER); err != nil {
			panic(err)
		}
	})
	sp := nsPerOp(func() {
		if _, err := x509.ParseCertificate(leafDER); err != nil {
			panic(err)
		}
	})
	figs = append(figs, figure{Name: "cert: parse a GOST CA certificate (vs crypto/x509)", Value: zp / 1e3, Unit: "µs", Reference: sp / 1e3, Ratio: sp / zp})

	// GOST chain against OpenSSL.
	zc := nsPerOp(func() {
		c, err := cert.Parse(leafDER)
		if err != nil {
			panic(err)
		}
		if _, err := cert.VerifyChain(c, nil, []*cert.Certificate{root}, at); err != nil {
			panic(err)
		}
	})
	oc, err := opensslPerCert(conf, leafDER, rootDER, at, copies)
	if err != nil {
		return err
	}
	figs = append(figs, figure{Name: "cert: parse + verify a GOST 2012-256 chain link (vs openssl verify)", Value: zc / 1e3, Unit: "µs", Reference: oc / 1e3, Ratio: oc / zc,
		Note: fmt.Sprintf("openssl: (time for %d copies - time for 1) / %d", copies, copies-1)})

	// ECDSA chain against crypto/x509.
	zc2, sc2, err := ecdsaChain()
	if err != nil {
		return err
	}
	figs = append(figs, figure{Name: "cert: verify an ECDSA P-256 chain (vs crypto/x509)", Value: zc2 / 1e3, Unit: "µs", Reference: sc2 / 1e3, Ratio: sc2 / zc2})

	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	return benchfig.Write(out, figs, os.Stdout)
}

// nsPerOp runs f under testing.Benchmark three times and keeps the best.
func nsPerOp(f func()) float64 {
	best := 0.0
	for i := 0; i < 3; i++ {
		r := testing.Benchmark(func(b *testing.B) {
			for b.Loop() {
				f()
			}
		})
		ns := float64(r.T.Nanoseconds()) / float64(r.N)
		if best == 0 || ns < best {
			best = ns
		}
	}
	return best
}

// opensslPerCert times `openssl verify` over n copies of the leaf and over
// one, three times each, and returns the best per-certificate difference.
func opensslPerCert(conf string, leafDER, rootDER []byte, at time.Time, n int) (float64, error) {
	dir, err := os.MkdirTemp("", "certbench")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	leafPath := filepath.Join(dir, "leaf.pem")
	rootPath := filepath.Join(dir, "root.pem")
	if err := os.WriteFile(leafPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}), 0o600); err != nil {
		return 0, err
	}
	if err := os.WriteFile(rootPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rootDER}), 0o600); err != nil {
		return 0, err
	}
	absConf, err := filepath.Abs(conf)
	if err != nil {
		return 0, err
	}
	timeRun := func(k int) (time.Duration, error) {
		args := []string{"verify", "-attime", fmt.Sprint(at.Unix()), "-purpose", "any", "-CAfile", rootPath}
		for i := 0; i < k; i++ {
			args = append(args, leafPath)
		}
		cmd := exec.Command("openssl", args...)
		cmd.Env = append(os.Environ(), "OPENSSL_CONF="+absConf)
		start := time.Now()
		outb, err := cmd.CombinedOutput()
		d := time.Since(start)
		if err != nil {
			return 0, fmt.Errorf("openssl verify: %v: %s", err, outb)
		}
		return d, nil
	}
	best := 0.0
	for i := 0; i < 3; i++ {
		one, err := timeRun(1)
		if err != nil {
			return 0, err
		}
		many, err := timeRun(n)
		if err != nil {
			return 0, err
		}
		per := float64(many-one) / float64(n-1)
		if best == 0 || per < best {
			best = per
		}
	}
	return best, nil
}

// ecdsaChain makes root -> intermediate -> leaf with P-256 keys and times
// verification by cert and by crypto/x509.
func ecdsaChain() (zavera, stdlib float64, err error) {
	now := time.Now()
	mk := func(cn string, serial int64, ca bool, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey, error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), BasicConstraintsValid: true, IsCA: ca,
			KeyUsage: x509.KeyUsageDigitalSignature}
		if ca {
			tmpl.KeyUsage = x509.KeyUsageCertSign
		}
		if parent == nil {
			parent, parentKey = tmpl, key
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
		if err != nil {
			return nil, nil, err
		}
		c, err := x509.ParseCertificate(der)
		return c, key, err
	}
	r, rk, err := mk("root", 1, true, nil, nil)
	if err != nil {
		return 0, 0, err
	}
	i, ik, err := mk("intermediate", 2, true, r, rk)
	if err != nil {
		return 0, 0, err
	}
	l, _, err := mk("leaf", 3, false, i, ik)
	if err != nil {
		return 0, 0, err
	}
	var zc [3]*cert.Certificate
	for n, c := range []*x509.Certificate{r, i, l} {
		if zc[n], err = cert.Parse(c.Raw); err != nil {
			return 0, 0, err
		}
	}
	if _, err := cert.VerifyChain(zc[2], []*cert.Certificate{zc[1]}, []*cert.Certificate{zc[0]}, now); err != nil {
		return 0, 0, err
	}
	roots, inters := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(r)
	inters.AddCert(i)
	opts := x509.VerifyOptions{Roots: roots, Intermediates: inters, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	if _, err := l.Verify(opts); err != nil {
		return 0, 0, err
	}
	zavera = nsPerOp(func() {
		if _, err := cert.VerifyChain(zc[2], []*cert.Certificate{zc[1]}, []*cert.Certificate{zc[0]}, now); err != nil {
			panic(err)
		}
	})
	stdlib = nsPerOp(func() {
		if _, err := l.Verify(opts); err != nil {
			panic(err)
		}
	})
	return zavera, stdlib, nil
}
