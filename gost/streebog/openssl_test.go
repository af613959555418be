package streebog

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/zavera/zavera/internal/osslref"
)

// TestAgainstOpenSSL hashes random messages of random lengths (0 to 64 KiB)
// written in random chunks and compares with OpenSSL's GOST engine.
func TestAgainstOpenSSL(t *testing.T) {
	osslref.Require(t)
	rng := rand.New(rand.NewPCG(uint64(len(t.Name())), 99))
	sizes := []int{0, 1, 63, 64, 65, 65536}
	for range 24 {
		sizes = append(sizes, rng.IntN(65537))
	}
	for _, size := range sizes {
		msg := make([]byte, size)
		for i := range msg {
			msg[i] = byte(rng.Uint32())
		}
		for _, alg := range []struct {
			md   string
			hash func() []byte
		}{
			{"-md_gost12_256", func() []byte { h := New256(); writeChunks(h, msg, rng); return h.Sum(nil) }},
			{"-md_gost12_512", func() []byte { h := New512(); writeChunks(h, msg, rng); return h.Sum(nil) }},
		} {
			out := osslref.Run(t, msg, "dgst", alg.md, "-binary")
			if got := alg.hash(); !bytes.Equal(got, out) {
				t.Fatalf("%d bytes, %s: ours %x, OpenSSL %x", size, alg.md, got, out)
			}
		}
	}
}

// TestRFCMessagesAgainstOpenSSL checks that the reference agrees with the
// RFC's printed digests once they are reversed, so that the byte order the
// tests assume is the one OpenSSL uses.
func TestRFCMessagesAgainstOpenSSL(t *testing.T) {
	for _, v := range rfcVectors {
		msg := reversedHex(t, v.message)
		out := osslref.Run(t, msg, "dgst", "-md_gost12_512", "-hex")
		want := hex.EncodeToString(reversedHex(t, v.digest512))
		if !strings.Contains(string(out), want) {
			t.Fatalf("OpenSSL prints %q for %s, RFC says %s", out, v.name, want)
		}
	}
}
