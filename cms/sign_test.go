package cms

import (
	"bytes"
	"crypto"
	"errors"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/gost/streebog"
	"github.com/zavera/zavera/internal/osslref"
)

// TestSignedAttributes checks the CAdES-BES attributes a signature
// carries: sorted DER, the Streebog OIDs, an EXPLICIT hash algorithm in
// ESSCertIDv2 for Streebog and none for SHA-256.
func TestSignedAttributes(t *testing.T) {
	for _, tc := range []struct {
		spec       keySpec
		digest     string
		sigAlg     string
		explicitID bool
	}{
		{specGOST256, "1.2.643.7.1.1.2.2", "1.2.643.7.1.1.1.1", true},
		{specGOST512, "1.2.643.7.1.1.2.3", "1.2.643.7.1.1.1.2", true},
		{specP256, "2.16.840.1.101.3.4.2.1", "1.2.840.10045.4.3.2", false},
		{specP384, "2.16.840.1.101.3.4.2.2", "1.2.840.10045.4.3.3", true},
	} {
		t.Run(tc.spec.name, func(t *testing.T) {
			p := newPKI(t, tc.spec)
			leaf := p.leaf(t, "leaf", tc.spec)
			at := time.Date(2026, 11, 22, 12, 30, 45, 0, time.UTC)
			sig, err := Sign(bytes.NewReader([]byte("x")), p.signer(leaf), &Options{SigningTime: at})
			if err != nil {
				t.Fatal(err)
			}
			sd, err := Parse(sig)
			if err != nil {
				t.Fatal(err)
			}
			if sd.Version != 1 || !sd.Detached || len(sd.Certificates) != 1 || !sd.ContentType.Equal(oidDataOID) {
				t.Errorf("SignedData: version %d detached %v certificates %d", sd.Version, sd.Detached, len(sd.Certificates))
			}
			si := sd.SignerInfos[0]
			if si.DigestAlgorithm.Algorithm.String() != tc.digest || si.SignatureAlgorithm.Algorithm.String() != tc.sigAlg {
				t.Errorf("algorithms %v / %v", si.DigestAlgorithm.Algorithm, si.SignatureAlgorithm.Algorithm)
			}
			got, ok, err := si.SigningTime()
			if !ok || err != nil || !got.Equal(at) {
				t.Errorf("signingTime %v %v %v", got, ok, err)
			}
			// The signed attributes are in DER order.
			n, err := parseBER(si.SignedAttributesDER())
			if err != nil {
				t.Fatal(err)
			}
			if len(n.children()) != 4 {
				t.Fatalf("%d signed attributes, want 4", len(n.children()))
			}
			for i := 1; i < len(n.children()); i++ {
				if bytes.Compare(n.children()[i-1].raw, n.children()[i].raw) > 0 {
					t.Errorf("attributes %d and %d out of DER order", i-1, i)
				}
			}
			v2, ok := si.Attribute(oidAttrSigningCertV2)
			if !ok {
				t.Fatal("no signingCertificateV2")
			}
			// SigningCertificateV2 { certs { ESSCertIDv2 { [hashAlgorithm] certHash ...
			sc, err := parseBER(v2[0])
			if err != nil || len(sc.children()) < 1 || len(sc.children()[0].children()) < 1 {
				t.Fatalf("signingCertificateV2: %v", err)
			}
			id := sc.children()[0].children()[0]
			hasAlg := id.children()[0].is(classUniversal, tagSequence)
			if hasAlg != tc.explicitID {
				t.Errorf("ESSCertIDv2 hashAlgorithm present = %v, want %v", hasAlg, tc.explicitID)
			}
			if hasAlg {
				if oid, _ := nodeOID(&id.children()[0].children()[0]); oid.String() != tc.digest {
					t.Errorf("ESSCertIDv2 hashAlgorithm %v, want %s", oid, tc.digest)
				}
			}
			// OpenSSL reads the attributes the same way.
			out := osslref.Run(t, sig, "cms", "-cmsout", "-print", "-inform", "DER", "-noout")
			for _, want := range []string{"contentType", "signingTime", "messageDigest", "signingCertificateV2"} {
				if !bytes.Contains(out, []byte(want)) {
					t.Errorf("openssl -print lacks %s", want)
				}
			}
		})
	}
}

// TestSignDigestMatchesSign checks that signing a precomputed hash gives a
// signature OpenSSL accepts for the content, and that Verify takes the
// hash instead of the content.
func TestSignDigestMatchesSign(t *testing.T) {
	p := newPKI(t, specGOST256)
	leaf := p.leaf(t, "leaf", specGOST256)
	content := bytes.Repeat([]byte("строка отчёта\n"), 1000)
	sum := streebog.Sum256(content)
	sig, err := SignDigest(sum[:], p.signer(leaf), &Options{IncludeChain: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := opensslVerify(t, p, sig, content); err != nil {
		t.Fatal(err)
	}
	roots := []*cert.Certificate{p.root.cert}
	if _, err := Verify(sig, &VerifyOptions{Digest: sum[:], Roots: roots}); err != nil {
		t.Errorf("Verify with the digest: %v", err)
	}
	sum[0] ^= 1
	if _, err := Verify(sig, &VerifyOptions{Digest: sum[:], Roots: roots}); !errors.Is(err, ErrMessageDigest) {
		t.Errorf("wrong digest: %v, want ErrMessageDigest", err)
	}
	if _, err := SignDigest(sum[:16], p.signer(leaf), nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("short digest: %v, want ErrInvalidArgument", err)
	}
	if _, err := SignDigest(sum[:], p.signer(leaf), &Options{Attached: true}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("attached over a digest: %v, want ErrInvalidArgument", err)
	}
	if _, err := Verify(sig, nil); !errors.Is(err, ErrNoContent) {
		t.Errorf("detached without content: %v, want ErrNoContent", err)
	}
}

// TestSignRefusesMismatches checks the errors for keys that do not fit.
func TestSignRefusesMismatches(t *testing.T) {
	p := newPKI(t, specGOST256)
	leaf := p.leaf(t, "leaf", specGOST256)
	other := p.leaf(t, "other", specGOST256)
	s := p.signer(leaf)
	s.Key = other.key
	if _, err := Sign(bytes.NewReader(nil), s, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("key of another certificate: %v", err)
	}
	if _, err := Sign(bytes.NewReader(nil), p.signer(leaf), &Options{Hash: crypto.SHA256}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("SHA-256 with a GOST key: %v", err)
	}
	if _, err := Sign(bytes.NewReader(nil), Signer{}, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("empty signer: %v", err)
	}
	failing := Signer{Key: failingSigner{leaf.key}, Certificate: leaf.cert}
	if _, err := Sign(bytes.NewReader(nil), failing, nil); !errors.Is(err, errTokenRemoved) {
		t.Errorf("failing signer: %v, want its error wrapped", err)
	}
}

var errTokenRemoved = errors.New("token removed")

type failingSigner struct{ crypto.Signer }

func (failingSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errTokenRemoved
}

// TestSignStreamsContent signs 128 MiB of content and checks that memory
// does not grow with it.
func TestSignStreamsContent(t *testing.T) {
	p := newPKI(t, specGOST256)
	leaf := p.leaf(t, "leaf", specGOST256)
	const size = 128 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	sig, err := Sign(io.LimitReader(zeros{}, size), p.signer(leaf), nil)
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Errorf("signing %d MiB allocated %d MiB", size>>20, grew>>20)
	}
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := Verify(sig, &VerifyOptions{Content: io.LimitReader(zeros{}, size)}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Errorf("verifying %d MiB allocated %d MiB", size>>20, grew>>20)
	}
	if _, err := Verify(sig, &VerifyOptions{Content: io.LimitReader(zeros{}, size-1)}); !errors.Is(err, ErrMessageDigest) {
		t.Errorf("one byte short: %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestSignToStreamsAttached writes an attached signature of 64 MiB in
// constant memory; OpenSSL and Verify must accept it.
func TestSignToStreamsAttached(t *testing.T) {
	p := newPKI(t, specGOST512)
	leaf := p.leaf(t, "leaf", specGOST512)
	// Small content first, checked by OpenSSL.
	var small bytes.Buffer
	content := bytes.Repeat([]byte("0123456789"), 20000)
	if err := SignTo(&small, bytes.NewReader(content), p.signer(leaf), &Options{Attached: true, IncludeChain: true}); err != nil {
		t.Fatal(err)
	}
	if err := opensslVerify(t, p, small.Bytes(), nil); err != nil {
		t.Fatal(err)
	}
	sd, err := Parse(small.Bytes())
	if err != nil || !bytes.Equal(sd.Content, content) {
		t.Fatalf("content not read back: %v", err)
	}
	// Large content, counting what is allocated.
	const size = 64 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var n countingWriter
	if err := SignTo(&n, io.LimitReader(zeros{}, size), p.signer(leaf), &Options{Attached: true}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Errorf("streaming %d MiB allocated %d MiB", size>>20, grew>>20)
	}
	if n < size {
		t.Errorf("wrote %d bytes for %d of content", n, size)
	}
	// Detached output equals Sign's form.
	var det bytes.Buffer
	if err := SignTo(&det, bytes.NewReader(content), p.signer(leaf), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(det.Bytes(), &VerifyOptions{Content: bytes.NewReader(content)}); err != nil {
		t.Error(err)
	}
}

type countingWriter int64

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

// TestNewHashMatchesSignDigest hashes content with NewHash and signs the
// hash: the result must verify against the content.
func TestNewHashMatchesSignDigest(t *testing.T) {
	for _, spec := range []keySpec{specGOST512, specP384} {
		p := newPKI(t, spec)
		leaf := p.leaf(t, "leaf", spec)
		h, err := NewHash(leaf.key.Public(), 0)
		if err != nil {
			t.Fatal(err)
		}
		content := []byte("Устав")
		h.Write(content)
		sig, err := SignDigest(h.Sum(nil), p.signer(leaf), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Verify(sig, &VerifyOptions{Content: bytes.NewReader(content)}); err != nil {
			t.Errorf("%s: %v", spec.name, err)
		}
	}
	if _, err := NewHash("not a key", 0); !errors.Is(err, ErrUnsupportedAlgorithm) {
		t.Errorf("unknown key: %v", err)
	}
}
