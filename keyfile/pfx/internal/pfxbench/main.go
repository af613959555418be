// Command pfxbench measures opening PKCS#12 files with keyfile/pfx against
// `openssl pkcs12 -in FILE -nodes` with the GOST engine, on the same files
// in the same run, and writes the figures as JSON lines for benchreport.
//
// Each figure is opens per CPU second, key derivation included (PBKDF2 or
// CryptoPro's PBE for the key bag, the certificate bag and the MAC). The
// Zavera side is Decode in this process (CPU time of its thread, see
// benchfig.Rate); the reference is the CPU time (user + system) of each
// openssl process, which also counts starting openssl and loading the
// engine: that is what opening a file with OpenSSL costs a user. The files:
//   - the example of R 50.1.112-2016 (GOST 28147-89, 2000 iterations);
//   - files exported by OpenSSL from one key it generates: gost89,
//     kuznyechik-ctr-acpkm and magma-ctr-acpkm with 2048 iterations;
//   - the TC26 profile as Encode writes it;
//   - the CryptoPro CSP export, which OpenSSL cannot open: its reference is
//     OpenSSL opening the gost89 export (the same work for a user: one GOST
//     2012-256 key and certificate behind a password).
//
// Then signing with the key of the gost89 export as the agent does (see
// sign.go): opening it with its password and signing, and signing with the
// key open, against OpenSSL signing with the same key.
//
// Runs alternate between the two sides and the best of several rounds is
// kept on each.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/zavera/zavera/internal/benchfig"
	"github.com/zavera/zavera/keyfile/pfx"
)

const password = "Пароль 123"

type file struct {
	name     string // figure name suffix
	path     string
	password string
	refPath  string // the file OpenSSL opens as the reference
	refPass  string
	note     string
}

func main() {
	out := flag.String("out", "build/bench.d/pfx.jsonl", "JSON lines output")
	conf := flag.String("openssl-conf", "testdata/openssl-gost.cnf", "OpenSSL configuration loading the GOST engine")
	vectors := flag.String("vectors", "keyfile/pfx/testdata", "folder of the public PKCS#12 vectors")
	dir := flag.String("dir", "build/pfxbench", "scratch folder")
	rounds := flag.Int("rounds", 3, "alternating rounds per figure")
	seconds := flag.Float64("seconds", 1, "CPU seconds per run")
	harness := flag.String("cms-harness", "", "the cmsbench OpenSSL harness, for signing with the key open (none: that figure is left out)")
	flag.Parse()
	runtime.GOMAXPROCS(1)
	env := append(os.Environ(), "OPENSSL_CONF="+*conf)
	files, err := setup(env, *dir, *vectors)
	if err != nil {
		fail(err)
	}
	d := time.Duration(*seconds * float64(time.Second))
	var figs []benchfig.Figure
	for _, f := range files {
		data, err := os.ReadFile(f.path)
		if err != nil {
			fail(err)
		}
		open := func() error {
			c, err := pfx.Decode(data, f.password)
			if err != nil {
				return err
			}
			c.Wipe()
			return nil
		}
		if err := open(); err != nil {
			fail(fmt.Errorf("%s: %w", f.path, err))
		}
		var ours, ref float64
		for range *rounds {
			r, err := reference(env, f.refPath, f.refPass, d)
			if err != nil {
				fail(err)
			}
			ref = max(ref, r)
			o, err := benchfig.Rate(d, open)
			if err != nil {
				fail(err)
			}
			ours = max(ours, o)
		}
		figs = append(figs, benchfig.Figure{Name: "pfx open " + f.name, Value: ours, Unit: "ops/s",
			Reference: ref, Ratio: ours / ref, Note: f.note})
	}
	signFigs, err := signFigures(env, *dir, files[0].path, filepath.Join(*dir, "key.pem"), filepath.Join(*dir, "cert.pem"), *harness, d, *rounds)
	if err != nil {
		fail(fmt.Errorf("signing: %w", err))
	}
	figs = append(figs, signFigs...)
	if err := benchfig.Write(*out, figs, os.Stdout); err != nil {
		fail(err)
	}
}

// reference runs openssl pkcs12 on path until its processes have used d
// of CPU time (three runs at least) and returns runs per CPU second.
func reference(env []string, path, pass string, d time.Duration) (float64, error) {
	var cpu time.Duration
	n := 0
	for cpu < d || n < 3 {
		cmd := exec.Command("openssl", "pkcs12", "-in", path, "-nodes", "-passin", "pass:"+pass, "-out", os.DevNull)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			return 0, fmt.Errorf("openssl pkcs12 -in %s: %v\n%s", path, err, out)
		}
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		n++
	}
	return float64(n) / cpu.Seconds(), nil
}

func run(env []string, args ...string) error {
	cmd := exec.Command("openssl", args...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("openssl %v: %v\n%s", args, err, out)
	}
	return nil
}

// setup makes a GOST key and certificate with openssl, exports them with
// each PBE, writes the same with Encode and lists the files to open.
func setup(env []string, dir, vectors string) ([]file, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	key, cert := filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem")
	if err := run(env, "genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:A", "-out", key); err != nil {
		return nil, err
	}
	if err := run(env, "req", "-new", "-x509", "-key", key, "-md_gost12_256", "-days", "30",
		"-subj", "/CN=Zavera PKCS#12 bench", "-out", cert); err != nil {
		return nil, err
	}
	var files []file
	for _, pbe := range []string{"gost89", "kuznyechik-ctr-acpkm", "magma-ctr-acpkm"} {
		p := filepath.Join(dir, pbe+".pfx")
		if err := run(env, "pkcs12", "-export", "-inkey", key, "-in", cert, "-keypbe", pbe, "-certpbe", pbe,
			"-macalg", "md_gost12_512", "-passout", "pass:"+password, "-out", p); err != nil {
			return nil, err
		}
		files = append(files, file{name: "openssl " + pbe, path: p, password: password, refPath: p, refPass: password,
			note: "pfx.Decode vs openssl pkcs12 -in -nodes (process CPU, start-up included) on an OpenSSL " + pbe + " export"})
	}
	gost89 := files[0].path

	// The same key and certificate as Encode writes them.
	c, err := pfx.Decode(mustRead(gost89), password)
	if err != nil {
		return nil, err
	}
	enc, err := pfx.Encode(c, password, &pfx.Options{Iterations: 2048})
	c.Wipe()
	if err != nil {
		return nil, err
	}
	own := filepath.Join(dir, "zavera-tc26.pfx")
	if err := os.WriteFile(own, enc, 0o600); err != nil {
		return nil, err
	}
	files = append(files, file{name: "zavera tc26", path: own, password: password, refPath: own, refPass: password,
		note: "pfx.Decode vs openssl pkcs12 -in -nodes on a file written by pfx.Encode (TC26 profile)"})

	tc26 := filepath.Join(vectors, "pfx_tc26-r50.1.112-2016_example.pfx")
	files = append(files, file{name: "tc26 example", path: tc26, password: "Пароль для PFX", refPath: tc26, refPass: "Пароль для PFX",
		note: "pfx.Decode vs openssl pkcs12 -in -nodes on the R 50.1.112-2016 example"})
	cp := filepath.Join(vectors, "pfx_cryptopro-csp-export_gost2012-256_pw-1.pfx")
	files = append(files, file{name: "cryptopro export", path: cp, password: "1", refPath: gost89, refPass: password,
		note: "pfx.Decode of a CryptoPro CSP export (OpenSSL cannot open it) vs openssl opening the gost89 export"})
	return files, nil
}

func mustRead(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		fail(err)
	}
	return b
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "pfxbench:", err)
	os.Exit(1)
}
