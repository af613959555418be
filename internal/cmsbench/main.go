// Command cmsbench measures CAdES-BES signing and verification with
// package cms against OpenSSL's CMS with the GOST engine, on the same
// machine in the same run, and writes the figures as JSON lines for
// benchreport.
//
// Both sides sign and verify a detached signature over 1 KiB with one
// software GOST R 34.10-2012 256-bit key (TC26 parameter set A) whose
// certificate is issued by a test CA made with openssl:
//   - sign: build the signed attributes (contentType, signingTime,
//     messageDigest, signingCertificateV2), sign, encode the DER;
//   - verify: parse the DER, check the digest, the signature, the signing
//     certificate attribute and the chain to the CA.
//
// The reference is csrc/cmsbench.c (CMS_sign with CMS_DETACHED|CMS_BINARY|
// CMS_CADES, CMS_verify), run as a separate process whose loop times
// itself, so engine loading is not counted. Zavera runs with GOMAXPROCS=1,
// as the reference uses one thread. Runs alternate between the two sides
// and the best of several rounds is kept on each.
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/pem"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/internal/benchfig"
)

type figure = benchfig.Figure

func main() {
	out := flag.String("out", "build/bench.d/cms.jsonl", "JSON lines output")
	ossl := flag.String("ossl", "build/cmsbench/cmsbench-ossl", "the OpenSSL reference harness")
	conf := flag.String("openssl-conf", "testdata/openssl-gost.cnf", "OpenSSL configuration loading the GOST engine")
	dir := flag.String("dir", "build/cmsbench", "scratch folder for keys and certificates")
	rounds := flag.Int("rounds", 3, "alternating rounds per figure")
	seconds := flag.Float64("seconds", 2, "seconds per run")
	flag.Parse()
	runtime.GOMAXPROCS(1)
	env := append(os.Environ(), "OPENSSL_CONF="+*conf)

	f, err := setup(env, *dir)
	if err != nil {
		fail(err)
	}
	signer, roots, content, err := load(f)
	if err != nil {
		fail(err)
	}
	d := time.Duration(*seconds * float64(time.Second))
	sig, err := cms.Sign(bytes.NewReader(content), signer, nil)
	if err != nil {
		fail(err)
	}
	if _, err := cms.Verify(sig, &cms.VerifyOptions{Content: bytes.NewReader(content), Roots: roots}); err != nil {
		fail(fmt.Errorf("own signature does not verify: %w", err))
	}

	var oursSign, refSign, oursVerify, refVerify float64
	for range *rounds {
		r, err := reference(env, *ossl, "sign", f, *seconds)
		if err != nil {
			fail(err)
		}
		refSign = max(refSign, r)
		oursSign = max(oursSign, loop(d, func() error {
			_, err := cms.Sign(bytes.NewReader(content), signer, nil)
			return err
		}))
		if r, err = reference(env, *ossl, "verify", f, *seconds); err != nil {
			fail(err)
		}
		refVerify = max(refVerify, r)
		oursVerify = max(oursVerify, loop(d, func() error {
			_, err := cms.Verify(sig, &cms.VerifyOptions{Content: bytes.NewReader(content), Roots: roots})
			return err
		}))
	}
	figs := []figure{
		{Name: "cms sign GOST-256 detached 1KiB", Value: oursSign, Unit: "ops/s", Reference: refSign, Ratio: oursSign / refSign,
			Note: "cms.Sign vs OpenSSL CMS_sign(CMS_DETACHED|CMS_BINARY|CMS_CADES) + i2d, one thread"},
		{Name: "cms verify GOST-256 detached 1KiB", Value: oursVerify, Unit: "ops/s", Reference: refVerify, Ratio: oursVerify / refVerify,
			Note: "cms.Verify with chain vs OpenSSL d2i + CMS_verify(CMS_BINARY|CMS_CADES), one thread"},
	}
	if err := write(*out, figs); err != nil {
		fail(err)
	}
	for _, fg := range figs {
		fmt.Printf("%-36s %9.1f %s  openssl %9.1f  ratio %.2f\n", fg.Name, fg.Value, fg.Unit, fg.Reference, fg.Ratio)
	}
}

// files are the inputs both sides share.
type files struct {
	caCert, eeCert, eeKey, content string
}

// setup makes a GOST CA, a signer's key and certificate, and the content
// with openssl, as GOST.md describes.
func setup(env []string, dir string) (files, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return files{}, err
	}
	f := files{
		caCert: filepath.Join(dir, "ca.pem"), eeCert: filepath.Join(dir, "ee.pem"),
		eeKey: filepath.Join(dir, "ee.key"), content: filepath.Join(dir, "content.bin"),
	}
	caKey := filepath.Join(dir, "ca.key")
	ext := filepath.Join(dir, "ee.ext")
	if err := os.WriteFile(ext, []byte("keyUsage = critical, digitalSignature, nonRepudiation\n"), 0o644); err != nil {
		return f, err
	}
	content := make([]byte, 1024)
	rand.Read(content)
	if err := os.WriteFile(f.content, content, 0o644); err != nil {
		return f, err
	}
	steps := [][]string{
		{"genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:TCA", "-out", caKey},
		{"req", "-new", "-x509", "-key", caKey, "-md_gost12_256", "-days", "30", "-subj", "/CN=Zavera bench CA",
			"-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", f.caCert},
		{"genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:TCA", "-out", f.eeKey},
		{"req", "-new", "-key", f.eeKey, "-md_gost12_256", "-subj", "/CN=Zavera bench signer", "-out", filepath.Join(dir, "ee.csr")},
		{"x509", "-req", "-in", filepath.Join(dir, "ee.csr"), "-CA", f.caCert, "-CAkey", caKey, "-CAcreateserial",
			"-days", "30", "-md_gost12_256", "-extfile", ext, "-out", f.eeCert},
	}
	for _, args := range steps {
		cmd := exec.Command("openssl", args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			return f, fmt.Errorf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return f, nil
}

func load(f files) (cms.Signer, []*cert.Certificate, []byte, error) {
	keyPEM, err := os.ReadFile(f.eeKey)
	if err != nil {
		return cms.Signer{}, nil, nil, err
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return cms.Signer{}, nil, nil, fmt.Errorf("%s: no PEM", f.eeKey)
	}
	key, err := gost.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return cms.Signer{}, nil, nil, err
	}
	ee, err := readCert(f.eeCert)
	if err != nil {
		return cms.Signer{}, nil, nil, err
	}
	ca, err := readCert(f.caCert)
	if err != nil {
		return cms.Signer{}, nil, nil, err
	}
	content, err := os.ReadFile(f.content)
	if err != nil {
		return cms.Signer{}, nil, nil, err
	}
	return cms.Signer{Key: key, Certificate: ee}, []*cert.Certificate{ca}, content, nil
}

func readCert(name string) (*cert.Certificate, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	certs, err := cert.ParseAll(data)
	if err != nil {
		return nil, err
	}
	return certs[0], nil
}

// loop runs op for d and returns operations per second.
func loop(d time.Duration, op func() error) float64 {
	runtime.GC()
	n := 0
	start := time.Now()
	for {
		if err := op(); err != nil {
			fail(err)
		}
		n++
		if el := time.Since(start); el >= d {
			return float64(n) / el.Seconds()
		}
	}
}

// reference runs the OpenSSL harness and returns operations per second.
func reference(env []string, bin, mode string, f files, seconds float64) (float64, error) {
	cmd := exec.Command(bin, mode, f.eeCert, f.eeKey, f.caCert, f.content, strconv.FormatFloat(seconds, 'f', 3, 64))
	cmd.Env = env
	return benchfig.HarnessRate(cmd)
}

func write(name string, figs []figure) error { return benchfig.Write(name, figs, nil) }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "cmsbench:", err)
	os.Exit(1)
}
