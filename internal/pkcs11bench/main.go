// Command pkcs11bench measures signatures per second through package
// pkcs11 against raw C_SignInit + C_Sign through miekg/pkcs11 on the same
// key, in the same run: on a SoftHSM2 ECDSA P-256 key and on a GOST
// R 34.10-2012 256-bit key of the GOST test token. Blocks of the two
// alternate and the fastest block of each is reported, so that the load
// of other processes hits both alike. It writes one JSON line per figure (see
// internal/benchreport).
package main

import (
	"bytes"
	"crypto"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	p11 "github.com/miekg/pkcs11"

	"github.com/zavera/zavera/internal/benchfig"
	"github.com/zavera/zavera/internal/pkcs11bench/provision"
	"github.com/zavera/zavera/pkcs11"
)

type figure = benchfig.Figure

func main() {
	out := flag.String("out", "build/bench.d/pkcs11.jsonl", "JSON lines output")
	gostModule := flag.String("gosttoken", "build/libgosttoken.so", "the GOST test token module")
	opensslConf := flag.String("openssl-conf", "testdata/openssl-gost.cnf", "OpenSSL configuration loading the GOST engine")
	round := flag.Duration("round", 500*time.Millisecond, "measuring time unit")
	rounds := flag.Int("rounds", 5, "units per side")
	flag.Parse()
	if err := run(*out, *gostModule, *opensslConf, *round, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "pkcs11bench:", err)
		os.Exit(1)
	}
}

func run(out, gostModule, opensslConf string, round time.Duration, rounds int) error {
	dir, err := os.MkdirTemp("", "pkcs11bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var figs []figure

	// SoftHSM, ECDSA P-256.
	ec, err := provision.SoftHSMBench(dir)
	if err != nil {
		return err
	}
	digest := bytes.Repeat([]byte{0x5a}, 32)
	f, err := compare(provision.SoftHSMModule, provision.BenchSoftHSMToken, ec.CertDER, p11.CKM_ECDSA, digest, crypto.SHA256, round, rounds)
	if err != nil {
		return fmt.Errorf("SoftHSM: %w", err)
	}
	f.Name = "pkcs11: ECDSA P-256 signatures/s on SoftHSM (vs raw C_Sign)"
	figs = append(figs, f)

	// The GOST test token, GOST R 34.10-2012 256.
	gk, _, err := provision.GOSTBench(gostModule, dir, opensslConf)
	if err != nil {
		return err
	}
	f, err = compare(gostModule, provision.BenchGOSTToken, gk.CertDER, 0x1201, digest, 0, round, rounds)
	if err != nil {
		return fmt.Errorf("GOST test token: %w", err)
	}
	f.Name = "pkcs11: GOST 2012-256 signatures/s on the GOST test token (vs raw C_Sign)"
	figs = append(figs, f)

	return benchfig.Write(out, figs, os.Stdout)
}

// compare measures raw C_SignInit + C_Sign and pkcs11.Key.Sign on the
// same key, alternating rounds.
func compare(module, token string, certDER []byte, mech uint, digest []byte, h crypto.Hash, round time.Duration, rounds int) (figure, error) {
	raw, err := newRaw(module, token, certDER, mech)
	if err != nil {
		return figure{}, err
	}
	defer raw.close()
	// The module is initialised already: the Manager shares it.
	m, err := pkcs11.Open(pkcs11.Options{Modules: []string{module}, NoDiscovery: true, NoEnvironment: true})
	if err != nil {
		return figure{}, err
	}
	defer m.Close()
	if err := m.Modules()[0].Err; err != nil {
		return figure{}, err
	}
	key, err := m.Signer(pkcs11.CertificateID(certDER), func(pkcs11.PINRequest) ([]byte, error) {
		return []byte(provision.UserPIN), nil
	})
	if err != nil {
		return figure{}, err
	}
	zavera := func() error {
		_, err := key.Sign(nil, digest, h)
		return err
	}
	// Warm up both (login, key lookup).
	if err := zavera(); err != nil {
		return figure{}, err
	}
	if err := raw.sign(digest); err != nil {
		return figure{}, err
	}
	// Blocks of the two alternate; the fastest block of each side is its
	// figure (benchfig.Alternate).
	rr, zr, blocks, n, err := benchfig.Alternate(func() error { return raw.sign(digest) }, zavera, round*time.Duration(rounds)*2)
	if err != nil {
		return figure{}, err
	}
	return figure{
		Value: zr, Unit: "sig/s", Reference: rr, Ratio: zr / rr,
		Note: fmt.Sprintf("fastest of %d alternating blocks of %d signatures per side; raw = C_SignInit + C_Sign through miekg/pkcs11 on one logged-in session", blocks, n),
	}, nil
}

// rawSigner signs through miekg/pkcs11 directly: the floor.
type rawSigner struct {
	ctx  *p11.Ctx
	sh   p11.SessionHandle
	key  p11.ObjectHandle
	mech []*p11.Mechanism
}

func newRaw(module, token string, certDER []byte, mech uint) (*rawSigner, error) {
	ctx := p11.New(module)
	if ctx == nil {
		return nil, fmt.Errorf("cannot load %s", module)
	}
	r := &rawSigner{ctx: ctx, mech: []*p11.Mechanism{p11.NewMechanism(mech, nil)}}
	if err := ctx.Initialize(); err != nil {
		ctx.Destroy()
		return nil, err
	}
	slots, err := ctx.GetSlotList(true)
	if err != nil {
		r.close()
		return nil, err
	}
	for _, sl := range slots {
		ti, err := ctx.GetTokenInfo(sl)
		if err != nil || ti.Label != token {
			continue
		}
		if r.sh, err = ctx.OpenSession(sl, p11.CKF_SERIAL_SESSION); err != nil {
			r.close()
			return nil, err
		}
		if err := ctx.Login(r.sh, p11.CKU_USER, provision.UserPIN); err != nil {
			r.close()
			return nil, err
		}
		if err := ctx.FindObjectsInit(r.sh, []*p11.Attribute{p11.NewAttribute(p11.CKA_CLASS, p11.CKO_PRIVATE_KEY)}); err != nil {
			r.close()
			return nil, err
		}
		hs, _, err := ctx.FindObjects(r.sh, 1)
		ctx.FindObjectsFinal(r.sh)
		if err != nil || len(hs) == 0 {
			r.close()
			return nil, errors.Join(errors.New("no private key"), err)
		}
		r.key = hs[0]
		return r, nil
	}
	r.close()
	return nil, fmt.Errorf("no token %q", token)
}

func (r *rawSigner) sign(digest []byte) error {
	if err := r.ctx.SignInit(r.sh, r.mech, r.key); err != nil {
		return err
	}
	_, err := r.ctx.Sign(r.sh, digest)
	return err
}

func (r *rawSigner) close() {
	if r.sh != 0 {
		r.ctx.CloseSession(r.sh)
	}
	r.ctx.Finalize()
	r.ctx.Destroy()
}
