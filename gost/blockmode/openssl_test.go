package blockmode

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/zavera/zavera/gost/kuznyechik"
	"github.com/zavera/zavera/internal/osslref"
)

func random(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// oddLength returns a random odd length below max.
func oddLength(max int) int { return mrand.IntN(max/2)*2 + 1 }

// TestOpenSSLCTR encrypts random data of odd lengths with CTR and CTR-ACPKM
// and checks that OpenSSL's GOST engine decrypts it, encrypts the same data
// to the same bytes, and that we decrypt what it wrote. The engine's
// -kuznyechik-ctr-acpkm and -magma-ctr-acpkm use sections of 4096 and 1024
// bytes; the lengths reach into the third section.
func TestOpenSSLCTR(t *testing.T) {
	osslref.Require(t)
	type tc struct {
		name, alg string
		fn        NewCipherFunc
		section   int // 0: plain CTR
	}
	cases := []tc{{"Magma CTR", "magma-ctr", newTestMagma, 0},
		{"Magma CTR-ACPKM", "magma-ctr-acpkm", newTestMagma, 1024}}
	for _, k := range kuznyechiks {
		cases = append(cases,
			tc{"Kuznyechik CTR " + k.name, "kuznyechik-ctr", k.fn, 0},
			tc{"Kuznyechik CTR-ACPKM " + k.name, "kuznyechik-ctr-acpkm", k.fn, 4096})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for i := 0; i < 3; i++ {
				key := random(KeySize)
				b, _ := c.fn(key)
				iv := random(b.BlockSize() / 2)
				n := oddLength(300)
				if c.section > 0 {
					n = 2*c.section + oddLength(c.section) // into the third section
				}
				pt := random(n)
				stream := func() (s interface{ XORKeyStream(d, s []byte) }) {
					var err error
					if c.section == 0 {
						s, err = NewCTR(b, iv)
					} else {
						s, err = NewCTRACPKM(c.fn, key, iv, c.section)
					}
					if err != nil {
						t.Fatal(err)
					}
					return s
				}
				ours := make([]byte, len(pt))
				stream().XORKeyStream(ours, pt)
				args := []string{"enc", "-" + c.alg, "-K", hex.EncodeToString(key), "-iv", hex.EncodeToString(iv)}
				if back := osslref.Run(t, ours, append(args, "-d")...); !bytes.Equal(back, pt) {
					t.Fatalf("%d bytes: OpenSSL does not decrypt our ciphertext", len(pt))
				}
				theirs := osslref.Run(t, pt, append(args, "-e")...)
				if !bytes.Equal(theirs, ours) {
					t.Fatalf("%d bytes: OpenSSL's ciphertext differs from ours", len(pt))
				}
				dec := make([]byte, len(theirs))
				stream().XORKeyStream(dec, theirs)
				if !bytes.Equal(dec, pt) {
					t.Fatalf("%d bytes: we do not decrypt OpenSSL's ciphertext", len(pt))
				}
			}
		})
	}
}

// TestOpenSSLOMAC compares OMAC with OpenSSL's kuznyechik-mac and magma-mac
// on random messages of odd and whole-block lengths.
func TestOpenSSLOMAC(t *testing.T) {
	osslref.Require(t)
	type tc struct {
		name, alg string
		fn        NewCipherFunc
		size      int
	}
	cases := []tc{{"Magma", "magma-mac", newTestMagma, 8}, {"Magma 4", "magma-mac", newTestMagma, 4}}
	for _, k := range kuznyechiks {
		cases = append(cases, tc{"Kuznyechik " + k.name, "kuznyechik-mac", k.fn, 16},
			tc{"Kuznyechik 8 " + k.name, "kuznyechik-mac", k.fn, 8})
	}
	dir := t.TempDir()
	for _, c := range cases {
		for _, n := range []int{oddLength(200), 16 * (1 + mrand.IntN(10)), 0} {
			key := random(KeySize)
			msg := random(n)
			b, _ := c.fn(key)
			m, err := NewOMAC(b, c.size)
			if err != nil {
				t.Fatal(err)
			}
			m.Write(msg)
			ours := hex.EncodeToString(m.Sum(nil))
			file := filepath.Join(dir, "msg")
			if err := os.WriteFile(file, msg, 0o600); err != nil {
				t.Fatal(err)
			}
			args := []string{"dgst", "-mac", c.alg, "-macopt", "hexkey:" + hex.EncodeToString(key)}
			if c.size < b.BlockSize() {
				// The engine refuses size:16, its default.
				args = append(args, "-macopt", "size:"+strconv.Itoa(c.size))
			}
			out := string(osslref.Run(t, nil, append(args, file)...))
			f := strings.Fields(out)
			if len(f) == 0 || f[len(f)-1] != ours {
				t.Fatalf("%s, %d bytes: OpenSSL %q, ours %s", c.name, n, out, ours)
			}
		}
	}
}

// TestOpenSSLOMACACPKM compares OMAC-ACPKM with Kuznyechik against the GOST
// engine's own (its kuznyechik-ctr-acpkm-omac digest, reached through the
// small C program testdata/omacacpkm.c since the openssl command cannot
// set its key and sections). The engine's key material comes from its
// kuznyechik-ctr-acpkm with T* = 4096 bytes; the messages are long enough
// for the key material to cross T*, with random section sizes N.
func TestOpenSSLOMACACPKM(t *testing.T) {
	osslref.Require(t)
	bin := filepath.Join(t.TempDir(), "omacacpkm")
	args := []string{"-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-Wno-deprecated-declarations",
		"-o", bin, filepath.Join("testdata", "omacacpkm.c"), "-lcrypto"}
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc (apt-get install build-essential libssl-dev): %v\n%s", err, out)
	}
	for _, sec := range []int{16, 32, 48 + 16*mrand.IntN(10), 4096} {
		key := random(KeySize)
		n := oddLength(6000)
		if sec == 4096 {
			n = 3*sec + oddLength(sec)
		}
		msg := random(n)
		m, err := NewOMACACPKM(kuznyechik.NewCipher, key, sec, 4096, 16)
		if err != nil {
			t.Fatal(err)
		}
		m.Write(msg)
		ours := hex.EncodeToString(m.Sum(nil))
		cmd := exec.Command(bin, hex.EncodeToString(key), strconv.Itoa(sec))
		cmd.Env = osslref.Env(t)
		cmd.Stdin = bytes.NewReader(msg)
		out, err := cmd.Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			t.Fatalf("omacacpkm: %v\n%s", err, stderr)
		}
		if theirs := strings.TrimSpace(string(out)); theirs != ours {
			t.Fatalf("N = %d, %d bytes: engine %s, ours %s", sec, n, theirs, ours)
		}
	}
}
