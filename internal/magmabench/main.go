// Command magmabench measures GOST 28147-89 (CFB and CNT with CryptoPro key
// meshing), Magma CTR and GOST R 34.11-94 throughput in Zavera's gost/magma
// and gost/gostr341194 packages against OpenSSL's GOST engine in the same
// run, and writes the figures as JSON lines for `make bench` (see
// mk/magma.mk).
//
// Each figure compares this package processing 16 KiB buffers in a loop
// with `openssl speed -evp ALG -bytes 16384` on the same machine. Runs
// alternate between the two sides and the best of several rounds is kept
// on each, so that load from elsewhere hurts neither side more than the
// other. Zavera's cipher computes the S-boxes in constant time (every table
// column is read in every round), OpenSSL's engine indexes tables by the
// data: the ratio is the price of that.
package main

import (
	"crypto/cipher"
	"flag"
	"fmt"
	"hash"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"time"

	"github.com/zavera/zavera/gost/gostr341194"
	"github.com/zavera/zavera/gost/magma"
	"github.com/zavera/zavera/internal/benchfig"
)

type figure = benchfig.Figure

const bufSize = 16384

// work is one measured algorithm: a function that processes buf once, and
// the OpenSSL algorithm name it is compared with.
type work struct {
	name, ossl string
	run        func(buf []byte)
}

func main() {
	out := flag.String("out", "build/bench.d/magma.jsonl", "JSON lines output")
	conf := flag.String("openssl-conf", "testdata/openssl-gost.cnf", "OpenSSL configuration loading the GOST engine")
	rounds := flag.Int("rounds", 3, "alternating rounds per figure")
	seconds := flag.Int("seconds", 2, "seconds per run")
	flag.Parse()
	env := append(os.Environ(), "OPENSSL_CONF="+*conf)

	key := make([]byte, magma.KeySize)
	for i := range key {
		key[i] = byte(i * 7)
	}
	iv := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	c89, err := magma.NewCipher(key, &magma.SBoxZ)
	if err != nil {
		fail(err)
	}
	cm, err := magma.NewMagma(key)
	if err != nil {
		fail(err)
	}
	stream := func(s cipher.Stream, err error) func([]byte) {
		if err != nil {
			fail(err)
		}
		return func(b []byte) { s.XORKeyStream(b, b) }
	}
	var h hash.Hash = gostr341194.NewCryptoPro()
	sum := make([]byte, 0, gostr341194.Size)
	works := []work{
		// OpenSSL's gost89 and gost89-cnt-12 run on param Z with key meshing.
		{"GOST 28147-89 CFB, param Z, key meshing", "gost89", stream(magma.NewCFBEncrypter(c89, iv, magma.CryptoProMeshing))},
		{"GOST 28147-89 CNT, param Z, key meshing", "gost89-cnt-12", stream(magma.NewCNT(c89, iv, magma.CryptoProMeshing))},
		{"Magma CTR (GOST R 34.13-2015)", "magma-ctr", stream(magma.NewCTR(cm, iv[:4]))},
		{"GOST R 34.11-94, CryptoPro parameters", "md_gost94", func(b []byte) {
			h.Reset()
			h.Write(b)
			sum = h.Sum(sum[:0])
		}},
	}

	var figs []figure
	for _, w := range works {
		var ours, ref float64
		for range *rounds {
			ours = max(ours, throughput(w.run, time.Duration(*seconds)*time.Second))
			ref = max(ref, opensslSpeed(env, w.ossl, *seconds))
		}
		figs = append(figs, figure{
			Name: w.name + " 16KiB blocks", Value: ours, Unit: "MB/s", Reference: ref, Ratio: ours / ref,
			Note: "reference: openssl speed -evp " + w.ossl + " -bytes 16384",
		})
	}
	if err := benchfig.Write(*out, figs, os.Stdout); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "magmabench:", err)
	os.Exit(1)
}

// throughput runs f on a 16 KiB buffer for d and returns MB/s (10^6 bytes).
func throughput(f func([]byte), d time.Duration) float64 {
	buf := make([]byte, bufSize)
	for i := range buf {
		buf[i] = byte(i)
	}
	n := 0
	start := time.Now()
	for time.Since(start) < d {
		for range 4 {
			f(buf)
		}
		n += 4
	}
	return float64(n*len(buf)) / 1e6 / time.Since(start).Seconds()
}

// opensslSpeed runs openssl speed on 16 KiB blocks and returns MB/s.
func opensslSpeed(env []string, alg string, seconds int) float64 {
	cmd := exec.Command("openssl", "speed", "-evp", alg, "-bytes", strconv.Itoa(bufSize), "-seconds", strconv.Itoa(seconds))
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		fail(fmt.Errorf("openssl speed %s: %w", alg, err))
	}
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(alg) + `\s+([0-9.]+)k`).FindSubmatch(out)
	if m == nil {
		fail(fmt.Errorf("openssl speed %s: no figure in %q", alg, out))
	}
	kb, _ := strconv.ParseFloat(string(m[1]), 64)
	return kb / 1000 // openssl prints thousands of bytes per second
}
