// Command gostbench measures GOST R 34.10-2012 signing and verification in
// Zavera's gost package against OpenSSL's GOST engine in the same run, and
// writes the figures as JSON lines for `make bench` (see mk/gost.mk).
//
// The reference is csrc/harness.c, built into a binary that loads the engine in
// process and counts EVP_PKEY_sign and EVP_PKEY_verify calls over a fixed
// time. This program counts Sign and Verify calls the same way: one
// goroutine locked to its thread, one key, one digest, a fixed time per
// operation. Both sides measure the CPU time of the measuring thread
// (CLOCK_THREAD_CPUTIME_ID), not wall time, so that other work on a busy
// machine does not count against either; the figures are operations per
// CPU second of one core. Each side is measured in several interleaved
// rounds and the best round is kept.
package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/internal/benchfig"
)

// figure is one line of build/bench.d/gost.jsonl.
type figure = benchfig.Figure

// set is one measured configuration.
type set struct {
	bits     int
	label    string // parameter set in the figure's name
	curve    string // gost.CurveByName
	alg      string // OpenSSL algorithm
	paramset string // OpenSSL paramset option
}

// sets are CryptoPro A, the 256-bit parameter set most real keys and
// certificates use, and TC26 512 A; TC26 256 A follows as two more
// figures, since OpenSSL's engine runs that set on a twisted Edwards form.
var sets = []set{
	{256, "CryptoPro A", "A", "gost2012_256", "A"},
	{512, "TC26 512 A", "512A", "gost2012_512", "A"},
	{256, "TC26 A", "TCA", "gost2012_256", "TCA"},
}

func main() {
	harness := flag.String("harness", "build/gostbench-harness", "the C harness binary")
	conf := flag.String("openssl-conf", "testdata/openssl-gost.cnf", "OpenSSL configuration that loads the GOST engine")
	out := flag.String("out", "build/bench.d/gost.jsonl", "JSON lines output")
	secs := flag.Float64("seconds", 2, "measuring time per operation and round")
	rounds := flag.Int("rounds", 2, "interleaved rounds; the best is kept")
	flag.Parse()

	var figs []figure
	for _, s := range sets {
		var ourSign, ourVerify, refSign, refVerify float64
		for r := 0; r < *rounds; r++ {
			rs, rv, err := reference(*harness, *conf, s, *secs)
			if err != nil {
				fail(err)
			}
			gs, gv, err := ours(s, *secs)
			if err != nil {
				fail(err)
			}
			refSign, refVerify = max(refSign, rs), max(refVerify, rv)
			ourSign, ourVerify = max(ourSign, gs), max(ourVerify, gv)
		}
		figs = append(figs,
			figure{Name: fmt.Sprintf("gost3410-%d sign (%s)", s.bits, s.label), Value: ourSign, Unit: "ops/s", Reference: refSign, Ratio: ourSign / refSign},
			figure{Name: fmt.Sprintf("gost3410-%d verify (%s)", s.bits, s.label), Value: ourVerify, Unit: "ops/s", Reference: refVerify, Ratio: ourVerify / refVerify},
		)
	}
	if err := benchfig.Write(*out, figs, os.Stdout); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gostbench:", err)
	os.Exit(1)
}

// reference runs the C harness and parses its "sign N" and "verify N" lines.
func reference(harness, conf string, s set, secs float64) (sign, verify float64, err error) {
	cmd := exec.Command(harness, s.alg, s.paramset, strconv.FormatFloat(secs, 'f', -1, 64))
	cmd.Env = append(os.Environ(), "OPENSSL_CONF="+conf)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %v\n%s", harness, err, stderr.Bytes())
	}
	sc := bufio.NewScanner(bytes.NewReader(outb))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		v, perr := strconv.ParseFloat(f[1], 64)
		if perr != nil {
			return 0, 0, fmt.Errorf("harness output %q: %v", sc.Text(), perr)
		}
		switch f[0] {
		case "sign":
			sign = v
		case "verify":
			verify = v
		}
	}
	if sign == 0 || verify == 0 {
		return 0, 0, fmt.Errorf("harness printed no figures: %q", outb)
	}
	return sign, verify, nil
}

// ours counts Sign and Verify calls over secs seconds each.
func ours(s set, secs float64) (sign, verify float64, err error) {
	c, err := gost.CurveByName(s.curve)
	if err != nil {
		return 0, 0, err
	}
	key, err := gost.GenerateKey(c, rand.Reader)
	if err != nil {
		return 0, 0, err
	}
	digest := make([]byte, c.Size())
	if _, err := rand.Read(digest); err != nil {
		return 0, 0, err
	}
	// Warm up: builds the base-point table, as the harness's key
	// generation warms OpenSSL.
	sig, err := key.Sign(rand.Reader, digest, nil)
	if err != nil {
		return 0, 0, err
	}
	d := time.Duration(secs * float64(time.Second))
	sign, err = benchfig.Rate(d, func() error {
		sig, err = key.Sign(rand.Reader, digest, nil)
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	pub := key.PublicKey()
	verify, err = benchfig.Rate(d, func() error { return pub.Verify(digest, sig) })
	return sign, verify, err
}
