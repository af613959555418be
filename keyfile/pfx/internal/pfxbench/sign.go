package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/keysource"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/internal/benchfig"
)

// signFigures measures signing 1 KiB (detached CAdES-BES) with the key of
// the OpenSSL gost89 export as the agent does: the file added to a key
// list, opened by keysource with its password (PBKDF2 and the MAC
// included), the signature made with cms.Sign, the key wiped. Against:
//   - openssl pkcs12 -nodes then openssl cms -sign on what it wrote: the
//     same work with OpenSSL's tools (two processes, start-up included);
//   - openssl cms -sign with the same key in PEM (no key derivation);
//   - with the key already open, cms.Sign alone against CMS_sign in the
//     cmsbench harness (one process whose loop times itself), when given.
func signFigures(env []string, dir, pfxPath, keyPEM, certPEM, harness string, d time.Duration, rounds int) ([]benchfig.Figure, error) {
	content := filepath.Join(dir, "content.bin")
	data := make([]byte, 1024)
	rand.Read(data)
	if err := os.WriteFile(content, data, 0o600); err != nil {
		return nil, err
	}
	pemData, err := os.ReadFile(certPEM)
	if err != nil {
		return nil, err
	}
	certs, err := cert.ParseAll(pemData)
	if err != nil {
		return nil, err
	}

	// The file as 'zavera keys add' and the window add it.
	der, err := keysource.CertificateFromKey(pfxPath, password)
	if err != nil {
		return nil, err
	}
	saved, err := keysource.SaveCertificate(filepath.Join(dir, "keys"), pfxPath, der)
	if err != nil {
		return nil, err
	}
	list := keysource.OpenList(filepath.Join(dir, keysource.FileName))
	if _, err := list.Add(pfxPath, saved); err != nil {
		return nil, err
	}
	src := keysource.New(keysource.Options{List: list})
	ctx := context.Background()
	listed, err := src.Certificates(ctx)
	if err != nil || len(listed) != 1 {
		return nil, fmt.Errorf("the key list: %v, %v", listed, err)
	}
	id := listed[0].ID
	pin := func(context.Context, agent.Token) (*agent.PIN, error) { return agent.NewPIN([]byte(password)), nil }
	sign := func(k agent.Key) error {
		_, err := cms.Sign(bytes.NewReader(data), cms.Signer{Key: k, Certificate: certs[0]}, nil)
		return err
	}
	openSign := func() error {
		k, err := src.OpenKey(ctx, id, pin)
		if err != nil {
			return err
		}
		defer k.Close()
		return sign(k)
	}
	if err := openSign(); err != nil {
		return nil, err
	}
	open, err := src.OpenKey(ctx, id, pin)
	if err != nil {
		return nil, err
	}
	defer open.Close()
	signOnly := func() error { return sign(open) }

	clearPEM := filepath.Join(dir, "pkcs12-out.pem")
	cmsSign := func(key, signer string) []string {
		return []string{"cms", "-sign", "-binary", "-in", content, "-signer", signer, "-inkey", key,
			"-md", "md_gost12_256", "-outform", "DER", "-out", os.DevNull}
	}
	viaPFX := [][]string{
		{"pkcs12", "-in", pfxPath, "-nodes", "-passin", "pass:" + password, "-out", clearPEM},
		cmsSign(clearPEM, clearPEM),
	}
	withPEM := [][]string{cmsSign(keyPEM, certPEM)}
	defer os.Remove(clearPEM)

	var ours, oursOnly, refPFX, refPEM, refOnly float64
	for range rounds {
		r, err := processRate(env, d, viaPFX)
		if err != nil {
			return nil, err
		}
		refPFX = max(refPFX, r)
		if r, err = processRate(env, d, withPEM); err != nil {
			return nil, err
		}
		refPEM = max(refPEM, r)
		o, err := benchfig.Rate(d, openSign)
		if err != nil {
			return nil, err
		}
		ours = max(ours, o)
		if harness != "" {
			if r, err = harnessRate(env, harness, certPEM, keyPEM, content, d); err != nil {
				return nil, err
			}
			refOnly = max(refOnly, r)
		}
		if o, err = benchfig.Rate(d, signOnly); err != nil {
			return nil, err
		}
		oursOnly = max(oursOnly, o)
	}
	figs := []benchfig.Figure{
		{Name: "pfx sign open+sign GOST-256 1KiB vs openssl pkcs12+cms", Value: ours, Unit: "ops/s", Reference: refPFX, Ratio: ours / refPFX,
			Note: "keysource OpenKey (pfx.Decode of an OpenSSL gost89 export, KDF and MAC included) + cms.Sign + wipe vs openssl pkcs12 -nodes then openssl cms -sign (process CPU, start-up included)"},
		{Name: "pfx sign open+sign GOST-256 1KiB vs openssl cms PEM key", Value: ours, Unit: "ops/s", Reference: refPEM, Ratio: ours / refPEM,
			Note: "keysource OpenKey + cms.Sign + wipe vs openssl cms -sign with the same key in PEM, no key derivation (process CPU, start-up included)"},
	}
	if harness != "" {
		figs = append(figs, benchfig.Figure{Name: "pfx sign key open GOST-256 1KiB", Value: oursOnly, Unit: "ops/s", Reference: refOnly, Ratio: oursOnly / refOnly,
			Note: "cms.Sign with the software key already open vs CMS_sign(CMS_DETACHED|CMS_BINARY|CMS_CADES) in the cmsbench harness, one thread"})
	}
	return figs, nil
}

// processRate runs the openssl commands in turn until their processes
// have used d of CPU time (three turns at least) and returns turns per
// CPU second.
func processRate(env []string, d time.Duration, cmds [][]string) (float64, error) {
	var cpu time.Duration
	n := 0
	for cpu < d || n < 3 {
		for _, args := range cmds {
			cmd := exec.Command("openssl", args...)
			cmd.Env = env
			if out, err := cmd.CombinedOutput(); err != nil {
				return 0, fmt.Errorf("openssl %v: %v\n%s", args[:2], err, out)
			}
			cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		}
		n++
	}
	return float64(n) / cpu.Seconds(), nil
}

// harnessRate runs the cmsbench harness's sign loop for d and returns its
// signatures per second.
func harnessRate(env []string, bin, certPEM, keyPEM, content string, d time.Duration) (float64, error) {
	cmd := exec.Command(bin, "sign", certPEM, keyPEM, certPEM, content, strconv.FormatFloat(d.Seconds(), 'f', 3, 64))
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("%s sign: %v\n%s", bin, err, stderr.Bytes())
	}
	f := strings.Fields(string(out))
	if len(f) != 2 {
		return 0, fmt.Errorf("%s sign: unexpected output %q", bin, out)
	}
	ops, err1 := strconv.ParseFloat(f[0], 64)
	el, err2 := strconv.ParseFloat(f[1], 64)
	if err1 != nil || err2 != nil || el <= 0 {
		return 0, fmt.Errorf("%s sign: unexpected output %q", bin, out)
	}
	return ops / el, nil
}
