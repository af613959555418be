// Command cpcontainerbench measures opening a CryptoPro key container with
// a password (keyfile/cpcontainer: the 2000-round password KDF, the
// decryption, the unmasking and the fingerprint check) against the same
// KDF computed with OpenSSL's GOST engine digests (csrc/harness.c, in
// process), and writes the figure as a JSON line for `make bench` (see
// mk/cpcontainer.mk). OpenSSL cannot open containers; the KDF is nearly all
// of the cost, so the reference is the KDF alone.
//
// Before measuring it checks that both sides derive the same key from the
// same password and salt. Both sides count the CPU time of the measuring
// thread, in interleaved rounds, keeping each side's best round, as
// internal/gostbench does.
package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/internal/benchfig"
	"github.com/zavera/zavera/keyfile/cpcontainer"
)

const password = "12345678"

func main() {
	harness := flag.String("harness", "build/cpcontainerbench-harness", "the C harness binary")
	conf := flag.String("openssl-conf", "testdata/openssl-gost.cnf", "OpenSSL configuration that loads the GOST engine")
	out := flag.String("out", "build/bench.d/cpcontainer.jsonl", "JSON lines output")
	secs := flag.Float64("seconds", 2, "measuring time per figure and round")
	rounds := flag.Int("rounds", 2, "interleaved rounds; the best is kept")
	flag.Parse()

	salt := make([]byte, 12)
	rand.Read(salt)
	refKey, err := run(*harness, *conf, "key", hex.EncodeToString(salt), password)
	check(err)
	if ours := hex.EncodeToString(cpcontainer.PasswordKey(cpcontainer.GOST2012_256, []byte(password), salt)); ours != refKey {
		check(fmt.Errorf("the password keys differ: ours %s, OpenSSL's digests %s", ours, refKey))
	}

	dir, err := os.MkdirTemp("", "cpcontainerbench")
	check(err)
	defer os.RemoveAll(dir)
	curve, err := gost.CurveByName("id-tc26-gost-3410-12-256-paramSetA")
	check(err)
	key, err := gost.GenerateKey(curve, nil)
	check(err)
	cdir := filepath.Join(dir, "bench.000")
	check(cpcontainer.Create(cdir, key, cpcontainer.CreateOptions{Password: password}))

	d := time.Duration(*secs * float64(time.Second))
	var ref, ours float64
	for r := 0; r < *rounds; r++ {
		s, err := run(*harness, *conf, "kdf", strconv.FormatFloat(*secs, 'f', -1, 64))
		check(err)
		v, err := strconv.ParseFloat(s, 64)
		check(err)
		ref = max(ref, v)
		v, err = benchfig.Rate(d, func() error {
			c, err := cpcontainer.Open(cdir, password)
			if err == nil {
				c.Wipe()
			}
			return err
		})
		check(err)
		ours = max(ours, v)
	}
	figs := []benchfig.Figure{{Name: "cryptopro container open (2012-256, password, KDF 2000 rounds)", Value: ours, Unit: "ops/s",
		Reference: ref, Ratio: ours / ref, Note: "reference: the password KDF alone with the GOST engine's Streebog-256"}}
	check(benchfig.Write(*out, figs, os.Stdout))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "cpcontainerbench:", err)
		os.Exit(1)
	}
}

// run runs the harness with what and its arguments and returns the word it
// prints after the name.
func run(harness, conf, what string, args ...string) (string, error) {
	argv := append([]string{what}, args...)
	cmd := exec.Command(harness, argv...)
	cmd.Env = append(os.Environ(), "OPENSSL_CONF="+conf)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %v: %v\n%s", harness, argv, err, stderr.Bytes())
	}
	sc := bufio.NewScanner(bytes.NewReader(outb))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == what {
			return f[1], nil
		}
	}
	return "", fmt.Errorf("harness printed no %s: %q", what, outb)
}
