package gostr341194

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zavera/zavera/internal/osslref"
)

var lengths = []int{0, 1, 31, 32, 33, 63, 64, 65, 100, 1000, 4097}

func random(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// writeInPieces hashes msg written in uneven pieces.
func writeInPieces(msg []byte, h interface{ Write([]byte) (int, error) }) {
	for i, step := 0, 1; i < len(msg); i, step = i+step, step*5%37+1 {
		h.Write(msg[i:min(i+step, len(msg))])
	}
}

// TestOpenSSLCryptoPro compares the CryptoPro-parameter hash with
// OpenSSL's md_gost94 on random messages.
func TestOpenSSLCryptoPro(t *testing.T) {
	osslref.Require(t)
	for _, n := range lengths {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			msg := random(t, n)
			want := osslref.Run(t, msg, "dgst", "-md_gost94", "-binary")
			h := NewCryptoPro()
			writeInPieces(msg, h)
			if got := h.Sum(nil); !bytes.Equal(got, want) {
				t.Fatalf("hash %x, OpenSSL %x", got, want)
			}
			if got := SumCryptoPro(msg); !bytes.Equal(got[:], want) {
				t.Fatalf("SumCryptoPro %x, OpenSSL %x", got, want)
			}
		})
	}
}

// TestGostsumTest compares the test-parameter hash with gostsum -t, the
// GOST R 34.11-94 tool shipped with OpenSSL's GOST engine. gostsum prints
// the hash as a number, most significant byte first: the digest bytes
// reversed.
func TestGostsumTest(t *testing.T) {
	osslref.Require(t)
	gostsum, err := exec.LookPath("gostsum")
	if err != nil {
		t.Fatalf("gostsum is missing (install: apt-get install libengine-gost-openssl): %v", err)
	}
	dir := t.TempDir()
	for _, n := range lengths {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			msg := random(t, n)
			p := filepath.Join(dir, fmt.Sprintf("m%d", n))
			if err := os.WriteFile(p, msg, 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(gostsum, "-t", p).Output()
			if err != nil {
				t.Fatalf("gostsum: %v", err)
			}
			fields := strings.Fields(string(out))
			if len(fields) == 0 {
				t.Fatalf("gostsum printed nothing")
			}
			want, err := hex.DecodeString(fields[0])
			if err != nil {
				t.Fatalf("gostsum output %q: %v", out, err)
			}
			for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
				want[i], want[j] = want[j], want[i]
			}
			h := NewTest()
			writeInPieces(msg, h)
			if got := h.Sum(nil); !bytes.Equal(got, want) {
				t.Fatalf("hash %x, gostsum -t %x", got, want)
			}
		})
	}
}

// TestSumKeepsState checks that Sum leaves the digest usable.
func TestSumKeepsState(t *testing.T) {
	msg := random(t, 77)
	h := NewCryptoPro()
	h.Write(msg[:40])
	_ = h.Sum(nil)
	h.Write(msg[40:])
	want := SumCryptoPro(msg)
	if got := h.Sum(nil); !bytes.Equal(got, want[:]) {
		t.Fatalf("after an intermediate Sum: %x, want %x", got, want)
	}
	h.Reset()
	h.Write(msg)
	if got := h.Sum(nil); !bytes.Equal(got, want[:]) {
		t.Fatalf("after Reset: %x, want %x", got, want)
	}
}

// TestOpenSSLHMAC checks that the digest works with crypto/hmac as
// HMAC_GOSTR3411 of RFC 4357 section 3, against OpenSSL's HMAC with
// md_gost94.
func TestOpenSSLHMAC(t *testing.T) {
	osslref.Require(t)
	for _, n := range []int{0, 31, 100} {
		key, msg := random(t, 32), random(t, n)
		want := osslref.Run(t, msg, "dgst", "-md_gost94", "-mac", "HMAC", "-macopt", "hexkey:"+hex.EncodeToString(key), "-binary")
		m := hmac.New(NewCryptoPro, key)
		m.Write(msg)
		if got := m.Sum(nil); !bytes.Equal(got, want) {
			t.Fatalf("HMAC of %d bytes %x, OpenSSL %x", n, got, want)
		}
	}
}
