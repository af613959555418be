package cms

import (
	"bytes"
	"crypto"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/zavera/zavera/cert"
)

// fixedKey is a crypto.Signer whose Sign costs nothing: it returns the
// same well-formed signature whatever it is given. Benchmarks use it to
// measure the encoding work around the signature, not the signature.
type fixedKey struct {
	pub crypto.PublicKey
	sig []byte
}

func (k *fixedKey) Public() crypto.PublicKey { return k.pub }

func (k *fixedKey) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) { return k.sig, nil }

// fixedSignature returns a signature of the shape the key's algorithm
// gives: BE(s) || BE(r) for GOST, the DER of (r, s) for ECDSA.
func fixedSignature(c *cert.Certificate) []byte {
	switch c.KeyAlgorithm {
	case cert.KeyGOST2012_256:
		return bytes.Repeat([]byte{0x5a}, 64)
	case cert.KeyGOST2012_512:
		return bytes.Repeat([]byte{0x5a}, 128)
	}
	half := (c.KeyBits + 7) / 8
	r := bytes.Repeat([]byte{0x3c}, half)
	sig := []byte{0x30, byte(2 * (2 + half)), 0x02, byte(half)}
	sig = append(sig, r...)
	sig = append(sig, 0x02, byte(half))
	return append(sig, r...)
}

// benchSigner is a leaf certificate and its issuing CA made with openssl,
// with a fixedKey for the leaf.
type benchSigner struct {
	name   string
	signer Signer
}

var (
	benchSignersOnce sync.Once
	benchSigners     []benchSigner
)

// signersForBench makes the certificates once per test binary: a
// benchmark function runs several times.
func signersForBench(b *testing.B) []benchSigner {
	benchSignersOnce.Do(func() {
		for _, spec := range []keySpec{specP256, specGOST256} {
			p := newPKI(b, spec)
			leaf := p.leaf(b, "leaf", spec)
			key := &fixedKey{pub: leaf.cert.PublicKey, sig: fixedSignature(leaf.cert)}
			benchSigners = append(benchSigners, benchSigner{spec.name, Signer{
				Key:         key,
				Certificate: leaf.cert,
				Chain:       []*cert.Certificate{p.inter.cert, p.root.cert},
			}})
		}
	})
	if len(benchSigners) == 0 {
		b.Fatal("no certificates for the benchmark")
	}
	return benchSigners
}

// BenchmarkSignDigest measures what SignDigest costs besides the key's own
// signature: the signed attributes, the SignerInfo and the SignedData, for
// a detached signature with the signer's certificate only and with the
// chain, as the agent makes them for each request (a new Signer with the
// same certificate every time).
func BenchmarkSignDigest(b *testing.B) {
	at := time.Date(2026, 11, 22, 12, 30, 45, 0, time.UTC)
	for _, bs := range signersForBench(b) {
		prof, err := bs.signer.profile(&Options{})
		if err != nil {
			b.Fatal(err)
		}
		digest := bytes.Repeat([]byte{0xd1}, prof.digest.size)
		for _, chain := range []bool{false, true} {
			name := bs.name + "/detached"
			if chain {
				name += "+chain"
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				var size int
				for b.Loop() {
					s := Signer{Key: bs.signer.Key, Certificate: bs.signer.Certificate, Chain: bs.signer.Chain}
					sig, err := SignDigest(digest, s, &Options{IncludeChain: chain, SigningTime: at})
					if err != nil {
						b.Fatal(err)
					}
					size = len(sig)
				}
				b.ReportMetric(float64(size), "sig-bytes")
			})
		}
	}
}
