// Command streebogbench measures Streebog-256 throughput against OpenSSL's
// GOST engine on the same machine in the same run, and writes the figures
// as JSON lines for benchreport.
//
// Two figures:
//   - 16 KiB blocks: this package hashing 16 KiB buffers in a loop against
//     `openssl speed -evp md_gost12_256 -bytes 16384`;
//   - a 256 MiB file: `zavera digest` against `openssl dgst -md_gost12_256`,
//     whole processes timed from start to exit.
//
// Runs alternate between the two sides and the best of several rounds is
// kept on each, so that a burst of load from elsewhere on the machine hurts
// neither side more than the other.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"time"

	"github.com/zavera/zavera/gost/streebog"
	"github.com/zavera/zavera/internal/benchfig"
)

type figure = benchfig.Figure

func main() {
	out := flag.String("out", "build/bench.d/streebog.jsonl", "JSON lines output")
	zavera := flag.String("zavera", "build/zavera", "zavera binary")
	conf := flag.String("openssl-conf", "testdata/openssl-gost.cnf", "OpenSSL configuration loading the GOST engine")
	file := flag.String("file", "build/bench-256MiB.bin", "scratch file for the file benchmark")
	rounds := flag.Int("rounds", 3, "alternating rounds per figure")
	seconds := flag.Int("seconds", 2, "seconds per block-throughput run")
	flag.Parse()
	env := append(os.Environ(), "OPENSSL_CONF="+*conf)

	var ours, ref float64
	for range *rounds {
		ours = max(ours, blockThroughput(time.Duration(*seconds)*time.Second))
		ref = max(ref, opensslSpeed(env, *seconds))
	}
	figs := []figure{{
		Name: "streebog256 16KiB blocks", Value: ours, Unit: "MB/s", Reference: ref, Ratio: ours / ref,
		Note: "reference: openssl speed -evp md_gost12_256 -bytes 16384",
	}}

	if err := makeFile(*file, 256<<20); err != nil {
		fail(err)
	}
	defer os.Remove(*file)
	var oursT, refT time.Duration
	for i := range *rounds {
		a := timeCmd(nil, *zavera, "digest", "--alg", "streebog256", *file)
		b := timeCmd(env, "openssl", "dgst", "-md_gost12_256", *file)
		if i == 0 || a < oursT {
			oursT = a
		}
		if i == 0 || b < refT {
			refT = b
		}
	}
	mb := float64(256<<20) / 1e6
	figs = append(figs, figure{
		Name: "streebog256 256MiB file", Value: mb / oursT.Seconds(), Unit: "MB/s",
		Reference: mb / refT.Seconds(), Ratio: refT.Seconds() / oursT.Seconds(),
		Note: "zavera digest vs openssl dgst -md_gost12_256, whole processes",
	})

	if err := benchfig.Write(*out, figs, os.Stdout); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "streebogbench:", err)
	os.Exit(1)
}

// blockThroughput hashes 16 KiB buffers for d and returns MB/s (10^6 bytes).
func blockThroughput(d time.Duration) float64 {
	buf := make([]byte, 16384)
	for i := range buf {
		buf[i] = byte(i)
	}
	h := streebog.New256()
	sum := make([]byte, 0, 32)
	n := 0
	start := time.Now()
	for time.Since(start) < d {
		for range 16 {
			h.Reset()
			h.Write(buf)
			sum = h.Sum(sum[:0])
		}
		n += 16
	}
	return float64(n*len(buf)) / 1e6 / time.Since(start).Seconds()
}

var speedLine = regexp.MustCompile(`(?m)^md_gost12_256\s+([0-9.]+)k`)

// opensslSpeed runs openssl speed on 16 KiB blocks and returns MB/s.
func opensslSpeed(env []string, seconds int) float64 {
	cmd := exec.Command("openssl", "speed", "-evp", "md_gost12_256", "-bytes", "16384", "-seconds", strconv.Itoa(seconds))
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		fail(fmt.Errorf("openssl speed: %w", err))
	}
	m := speedLine.FindSubmatch(out)
	if m == nil {
		fail(fmt.Errorf("openssl speed: no figure in %q", out))
	}
	kb, _ := strconv.ParseFloat(string(m[1]), 64)
	return kb / 1000 // openssl prints thousands of bytes per second
}

// makeFile writes size pseudo-random bytes to path, unless it exists with
// that size already.
func makeFile(path string, size int64) error {
	if st, err := os.Stat(path); err == nil && st.Size() == size {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	var word [8]byte
	for i := int64(0); i < size; i += 8 {
		v := rng.Uint64()
		for j := range word {
			word[j] = byte(v >> (8 * j))
		}
		w.Write(word[:])
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// timeCmd runs a command to completion and returns its wall time.
func timeCmd(env []string, name string, args ...string) time.Duration {
	cmd := exec.Command(name, args...)
	if env != nil {
		cmd.Env = env
	}
	var errOut bytes.Buffer
	cmd.Stdout = nil
	cmd.Stderr = &errOut
	start := time.Now()
	if err := cmd.Run(); err != nil {
		fail(fmt.Errorf("%s: %w: %s", name, err, errOut.String()))
	}
	return time.Since(start)
}
