// Command isolationbench measures what module isolation costs: the sign
// round trip on one connection (one signature after the other) through a
// module running in a host process against the same module loaded in
// process, on the same key in the same run, on a SoftHSM2 ECDSA P-256 key
// and on a GOST R 34.10-2012 key of the GOST test token; and the time from
// a crash of the GOST test token's module to the next successful
// signature, against a fresh login and signature in process. Blocks of
// the two sides alternate and the fastest block of each is its figure, so
// that the load of other processes hits both alike. It writes one JSON
// line per figure (see internal/benchfig).
//
// The program is its own module host: started with pkcs11.HostCommand it
// serves one module, as `zavera __pkcs11-host` does.
package main

import (
	"bytes"
	"crypto"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/zavera/zavera/internal/benchfig"
	"github.com/zavera/zavera/internal/pkcs11bench/provision"
	"github.com/zavera/zavera/pkcs11"
)

type figure = benchfig.Figure

func main() {
	if len(os.Args) == 3 && os.Args[1] == pkcs11.HostCommand {
		if err := pkcs11.ServeHostStdio(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "isolationbench host:", err)
			os.Exit(1)
		}
		return
	}
	out := flag.String("out", "build/bench.d/isolation.jsonl", "JSON lines output")
	gostModule := flag.String("gosttoken", "build/libgosttoken.so", "the GOST test token module")
	opensslConf := flag.String("openssl-conf", "testdata/openssl-gost.cnf", "OpenSSL configuration loading the GOST engine")
	round := flag.Duration("round", 500*time.Millisecond, "measuring time unit")
	rounds := flag.Int("rounds", 5, "units per side")
	crashes := flag.Int("crashes", 7, "crashes to recover from")
	flag.Parse()
	if err := run(*out, *gostModule, *opensslConf, *round, *rounds, *crashes); err != nil {
		fmt.Fprintln(os.Stderr, "isolationbench:", err)
		os.Exit(1)
	}
}

func run(out, gostModule, opensslConf string, round time.Duration, rounds, crashes int) error {
	dir, err := os.MkdirTemp("", "isolationbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var figs []figure
	digest := bytes.Repeat([]byte{0x5a}, 32)

	// SoftHSM, ECDSA P-256.
	ec, err := provision.SoftHSMBench(dir)
	if err != nil {
		return err
	}
	f, err := compare(provision.SoftHSMModule, ec.CertDER, digest, crypto.SHA256, round, rounds)
	if err != nil {
		return fmt.Errorf("SoftHSM: %w", err)
	}
	f.Name = "isolation: ECDSA P-256 sign round trips/s on SoftHSM, module host (vs in process)"
	figs = append(figs, f)

	// The GOST test token, GOST R 34.10-2012 256.
	gk, gdir, err := provision.GOSTBench(gostModule, dir, opensslConf)
	if err != nil {
		return err
	}
	f, err = compare(gostModule, gk.CertDER, digest, 0, round, rounds)
	if err != nil {
		return fmt.Errorf("GOST test token: %w", err)
	}
	f.Name = "isolation: GOST 2012-256 sign round trips/s on the GOST test token, module host (vs in process)"
	figs = append(figs, f)

	f, err = recovery(gostModule, gdir, gk.CertDER, digest, crashes)
	if err != nil {
		return fmt.Errorf("crash recovery: %w", err)
	}
	figs = append(figs, f)
	return benchfig.Write(out, figs, os.Stdout)
}

func pin(pkcs11.PINRequest) ([]byte, error) { return []byte(provision.UserPIN), nil }

// open opens module alone, isolated or not, and the key of certDER.
func open(module string, certDER []byte, iso *pkcs11.Isolation) (*pkcs11.Manager, *pkcs11.Key, error) {
	m, err := pkcs11.Open(pkcs11.Options{Modules: []string{module}, NoDiscovery: true, NoEnvironment: true, Isolate: iso})
	if err != nil {
		return nil, nil, err
	}
	if err := m.Modules()[0].Err; err != nil {
		m.Close()
		return nil, nil, err
	}
	key, err := m.Signer(pkcs11.CertificateID(certDER), pin)
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	return m, key, nil
}

// compare measures Key.Sign through a module host and in process on the
// same key, alternating blocks.
func compare(module string, certDER, digest []byte, h crypto.Hash, round time.Duration, rounds int) (figure, error) {
	inM, inKey, err := open(module, certDER, nil)
	if err != nil {
		return figure{}, err
	}
	defer inM.Close()
	isoM, isoKey, err := open(module, certDER, &pkcs11.Isolation{})
	if err != nil {
		return figure{}, err
	}
	defer isoM.Close()
	inProc := func() error { _, err := inKey.Sign(nil, digest, h); return err }
	hosted := func() error { _, err := isoKey.Sign(nil, digest, h); return err }
	// Warm up both (login, key lookup).
	if err := inProc(); err != nil {
		return figure{}, err
	}
	if err := hosted(); err != nil {
		return figure{}, err
	}
	inRate, isoRate, blocks, n, err := benchfig.Alternate(inProc, hosted, round*time.Duration(rounds)*2)
	if err != nil {
		return figure{}, err
	}
	return figure{
		Value: isoRate, Unit: "sig/s", Reference: inRate, Ratio: isoRate / inRate,
		Note: fmt.Sprintf("fastest of %d alternating blocks of %d signatures per side, one after the other through pkcs11.Key.Sign; "+
			"the host adds %.0f µs per signature (a real token takes 100-300 ms); goal ratio >= 0.8", blocks, n, 1e6/isoRate-1e6/inRate),
	}, nil
}

// recovery crashes the GOST test token's module in C_Sign and measures
// the time from the failed signature's return to the next successful
// signature (a new host, C_Initialize, a new session, a login, the key
// found again). The reference is a fresh login and signature in process:
// the same work without the new process. Both are medians.
func recovery(module, dir string, certDER, digest []byte, crashes int) (figure, error) {
	inM, inKey, err := open(module, certDER, nil)
	if err != nil {
		return figure{}, err
	}
	defer inM.Close()
	var took, ref []time.Duration
	for i := 0; i < crashes; i++ {
		// A Manager of its own each time: the first crash of a host
		// is restarted at once, later ones after a back-off.
		d, err := crashOnce(module, dir, certDER, digest)
		if err != nil {
			return figure{}, err
		}
		took = append(took, d)

		inM.LogoutAll()
		start := time.Now()
		if _, err := inKey.Sign(nil, digest, crypto.Hash(0)); err != nil {
			return figure{}, err
		}
		ref = append(ref, time.Since(start))
	}
	v, r := median(took), median(ref)
	return figure{
		Name:  "isolation: crash of the GOST test token's module to the next signature, ms (vs a fresh login and signature in process)",
		Value: ms(v), Unit: "ms", Reference: ms(r), Ratio: ms(r) / ms(v),
		Note: fmt.Sprintf("median of %d crashes (crash_on = C_Sign); the restart costs a new host process, C_Initialize and the key lookup on top of the login", crashes),
	}, nil
}

// crashOnce signs through a new isolated Manager, crashes its module in
// C_Sign and returns how long the next signature took.
func crashOnce(module, dir string, certDER, digest []byte) (time.Duration, error) {
	m, key, err := open(module, certDER, &pkcs11.Isolation{})
	if err != nil {
		return 0, err
	}
	defer m.Close()
	if _, err := key.Sign(nil, digest, crypto.Hash(0)); err != nil {
		return 0, err
	}
	if err := control(dir, "crash_on = C_Sign"); err != nil {
		return 0, err
	}
	if _, err := key.Sign(nil, digest, crypto.Hash(0)); !errors.Is(err, pkcs11.ErrModuleFailed) {
		return 0, fmt.Errorf("signature during the crash: %v, want ErrModuleFailed", err)
	}
	if err := control(dir, ""); err != nil {
		return 0, err
	}
	start := time.Now()
	if _, err := key.Sign(nil, digest, crypto.Hash(0)); err != nil {
		return 0, fmt.Errorf("signature after the crash: %w", err)
	}
	return time.Since(start), nil
}

// control rewrites the GOST test token's control file.
func control(dir, line string) error {
	tmp := filepath.Join(dir, "control.tmp")
	if err := os.WriteFile(tmp, []byte(line+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, "control"))
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
