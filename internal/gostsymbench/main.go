// Command gostsymbench measures Zavera's GOST symmetric primitives against
// OpenSSL's GOST engine in the same run, and writes the figures as JSON lines
// for `make bench` (see mk/gostsym.mk):
//
//   - Kuznyechik in CTR mode (gost/blockmode over gost/kuznyechik, both the
//     table-driven and the constant-time cipher) against the engine's
//     kuznyechik-ctr, in bytes per CPU second over a 16 KiB buffer;
//   - PBKDF2 with HMAC-Streebog-512 (gost/kdf), 2000 iterations and 32 bytes
//     of output as in GOST PKCS#12 files, against PKCS5_PBKDF2_HMAC with the
//     engine's md_gost12_512, in derivations per CPU second.
//
// The reference is csrc/harness.c, which loads the engine in process. Both
// sides count the CPU time of the measuring thread, in interleaved rounds,
// keeping each side's best round, as internal/gostbench does.
package main

import (
	"bufio"
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/zavera/zavera/gost/blockmode"
	"github.com/zavera/zavera/gost/kdf"
	"github.com/zavera/zavera/gost/kuznyechik"
	"github.com/zavera/zavera/internal/benchfig"
)

func main() {
	harness := flag.String("harness", "build/gostsymbench-harness", "the C harness binary")
	conf := flag.String("openssl-conf", "testdata/openssl-gost.cnf", "OpenSSL configuration that loads the GOST engine")
	out := flag.String("out", "build/bench.d/gostsym.jsonl", "JSON lines output")
	secs := flag.Float64("seconds", 2, "measuring time per figure and round")
	rounds := flag.Int("rounds", 2, "interleaved rounds; the best is kept")
	iter := flag.Int("iterations", 2000, "PBKDF2 iterations")
	flag.Parse()

	d := time.Duration(*secs * float64(time.Second))
	var refCTR, ctrFast, ctrCT, refKDF, ourKDF float64
	for r := 0; r < *rounds; r++ {
		v, err := reference(*harness, *conf, "ctr", *secs)
		check(err)
		refCTR = max(refCTR, v)
		v, err = ctrRate(kuznyechik.NewCipher, d)
		check(err)
		ctrFast = max(ctrFast, v)
		v, err = ctrRate(kuznyechik.NewConstantTimeCipher, d/4)
		check(err)
		ctrCT = max(ctrCT, v)
		v, err = reference(*harness, *conf, "pbkdf2", *secs, strconv.Itoa(*iter))
		check(err)
		refKDF = max(refKDF, v)
		v, err = pbkdf2Rate(*iter, d)
		check(err)
		ourKDF = max(ourKDF, v)
	}
	const mb = 1 << 20
	figs := []benchfig.Figure{
		{Name: "kuznyechik-ctr (tables)", Value: ctrFast / mb, Unit: "MiB/s", Reference: refCTR / mb, Ratio: ctrFast / refCTR},
		{Name: "kuznyechik-ctr (constant time)", Value: ctrCT / mb, Unit: "MiB/s", Reference: refCTR / mb, Ratio: ctrCT / refCTR,
			Note: "constant-time cipher for keys and short secrets"},
		{Name: fmt.Sprintf("pbkdf2-hmac-streebog512 (%d iterations)", *iter), Value: ourKDF, Unit: "ops/s", Reference: refKDF, Ratio: ourKDF / refKDF},
	}
	check(benchfig.Write(*out, figs, os.Stdout))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "gostsymbench:", err)
		os.Exit(1)
	}
}

// reference runs the harness with what and its arguments and returns the
// number it prints after the name.
func reference(harness, conf, what string, secs float64, args ...string) (float64, error) {
	argv := append([]string{what}, args...)
	argv = append(argv, strconv.FormatFloat(secs, 'f', -1, 64))
	cmd := exec.Command(harness, argv...)
	cmd.Env = append(os.Environ(), "OPENSSL_CONF="+conf)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("%s %v: %v\n%s", harness, argv, err, stderr.Bytes())
	}
	sc := bufio.NewScanner(bytes.NewReader(outb))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && f[0] == what {
			return strconv.ParseFloat(f[1], 64)
		}
	}
	return 0, fmt.Errorf("harness printed no %s figure: %q", what, outb)
}

// ctrRate encrypts a 16 KiB buffer in place with Kuznyechik-CTR for d of
// thread CPU time and returns bytes per CPU second.
func ctrRate(newCipher func([]byte) (cipher.Block, error), d time.Duration) (float64, error) {
	key := make([]byte, kuznyechik.KeySize)
	iv := make([]byte, kuznyechik.BlockSize/2)
	buf := make([]byte, 16384)
	rand.Read(key)
	rand.Read(iv)
	rand.Read(buf)
	b, err := newCipher(key)
	if err != nil {
		return 0, err
	}
	s, err := blockmode.NewCTR(b, iv)
	if err != nil {
		return 0, err
	}
	calls, err := benchfig.Rate(d, func() error { s.XORKeyStream(buf, buf); return nil })
	return calls * float64(len(buf)), err
}

// pbkdf2Rate derives 32 bytes with iter iterations repeatedly.
func pbkdf2Rate(iter int, d time.Duration) (float64, error) {
	salt := make([]byte, 32)
	rand.Read(salt)
	pass := []byte("correct horse")
	return benchfig.Rate(d, func() error {
		_, err := kdf.PBKDF2(pass, salt, iter, 32)
		return err
	})
}
