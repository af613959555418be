package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"fmt"
	"io"
	"math/big"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/zavera/zavera/cert"
)

// The reference encoder below builds a signature the plain way, with a
// cryptobyte.Builder for every element and nothing cached. The signing
// code must write exactly the same bytes.

func refSignedAttributes(digest []byte, d *digestAlgorithm, c *cert.Certificate, at time.Time, extra [][]byte) []byte {
	list := slices.Clone(extra)
	add := func(oid []int, value func(b *cryptobyte.Builder)) {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oid)
			b.AddASN1(cbasn1.SET, value)
		})
		list = append(list, b.BytesOrPanic())
	}
	add(oidAttrContentType, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) })
	at = at.UTC().Truncate(time.Second)
	add(oidAttrSigningTime, func(b *cryptobyte.Builder) {
		if at.Year() >= 1950 && at.Year() < 2050 {
			b.AddASN1UTCTime(at)
		} else {
			b.AddASN1GeneralizedTime(at)
		}
	})
	add(oidAttrMessageDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(digest) })
	h := d.new()
	h.Write(c.Raw)
	certHash := h.Sum(nil)
	add(oidAttrSigningCertV2, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					if d != digestSHA256 {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(d.oid) })
					}
					b.AddASN1OctetString(certHash)
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1(cbasn1.Tag(4).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
								b.AddBytes(c.RawIssuer)
							})
						})
						b.AddASN1BigInt(c.SerialNumber)
					})
				})
			})
		})
	})
	slices.SortFunc(list, bytes.Compare)
	return bytes.Join(list, nil)
}

func refAlgorithm(b *cryptobyte.Builder, a AlgorithmIdentifier) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(a.Algorithm)
		if a.Parameters != nil {
			b.AddBytes(a.Parameters)
		}
	})
}

func refSignerInfo(t *testing.T, digest []byte, s Signer, opts *Options) []byte {
	t.Helper()
	prof, err := s.profile(opts)
	if err != nil {
		t.Fatal(err)
	}
	c := s.Certificate
	attrs := refSignedAttributes(digest, prof.digest, c, opts.signingTime(), opts.extraAttributes)
	set := append([]byte{0x31}, appendLength(nil, len(attrs))...)
	set = append(set, attrs...)
	var sig []byte
	if ms, ok := s.Key.(crypto.MessageSigner); ok {
		sig, err = ms.SignMessage(opts.rand(), set, prof.signerOpts())
	} else {
		h := prof.digest.new()
		h.Write(set)
		sig, err = s.Key.Sign(opts.rand(), h.Sum(nil), prof.signerOpts())
	}
	if err != nil {
		t.Fatal(err)
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddBytes(c.RawIssuer)
			b.AddASN1BigInt(c.SerialNumber)
		})
		refAlgorithm(b, AlgorithmIdentifier{Algorithm: prof.digest.oid})
		b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) { b.AddBytes(attrs) })
		refAlgorithm(b, prof.sigAlg)
		b.AddASN1OctetString(sig)
	})
	return b.BytesOrPanic()
}

// refSignedData writes a ContentInfo with SignedData; algs and certs are
// sorted here, signer infos keep their order.
func refSignedData(version int, algs [][]byte, encap []byte, certs [][]byte, crls []byte, sis [][]byte) []byte {
	algs = slices.Clone(algs)
	slices.SortFunc(algs, bytes.Compare)
	certs = slices.Clone(certs)
	slices.SortFunc(certs, bytes.Compare)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidSignedData)
		b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(int64(version))
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					for _, a := range algs {
						b.AddBytes(a)
					}
				})
				b.AddBytes(encap)
				if len(certs) > 0 {
					b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
						for _, c := range certs {
							b.AddBytes(c)
						}
					})
				}
				if crls != nil {
					b.AddBytes(crls)
				}
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					for _, si := range sis {
						b.AddBytes(si)
					}
				})
			})
		})
	})
	return b.BytesOrPanic()
}

func refDigestAlgorithm(d *digestAlgorithm) []byte {
	var b cryptobyte.Builder
	refAlgorithm(&b, AlgorithmIdentifier{Algorithm: d.oid})
	return b.BytesOrPanic()
}

func refEncap(content []byte, attached bool) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidData)
		if attached {
			b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				b.AddASN1OctetString(content)
			})
		}
	})
	return b.BytesOrPanic()
}

func refCerts(s Signer, opts *Options) [][]byte {
	certs := [][]byte{s.Certificate.Raw}
	if opts.IncludeChain {
		for _, c := range s.Chain {
			if !slices.ContainsFunc(certs, func(have []byte) bool { return bytes.Equal(have, c.Raw) }) {
				certs = append(certs, c.Raw)
			}
		}
	}
	return certs
}

// refSign is SignDigest (content nil) or Sign (content set) written the
// plain way.
func refSign(t *testing.T, digest, content []byte, s Signer, opts *Options) []byte {
	t.Helper()
	prof, err := s.profile(opts)
	if err != nil {
		t.Fatal(err)
	}
	if content != nil {
		h := prof.digest.new()
		h.Write(content)
		digest = h.Sum(nil)
	}
	si := refSignerInfo(t, digest, s, opts)
	return refSignedData(1, [][]byte{refDigestAlgorithm(prof.digest)}, refEncap(content, opts.Attached),
		refCerts(s, opts), nil, [][]byte{si})
}

// memoKey signs with a real key but gives the same signature every time
// it is asked for the same digest, so that two encoders can be compared
// byte for byte and their output still verifies.
type memoKey struct {
	key  crypto.Signer
	mu   sync.Mutex
	sigs map[string][]byte
}

func newMemoKey(key crypto.Signer) *memoKey {
	return &memoKey{key: key, sigs: map[string][]byte{}}
}

func (k *memoKey) Public() crypto.PublicKey { return k.key.Public() }

func (k *memoKey) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	id := fmt.Sprintf("%x/%v", digest, opts.HashFunc())
	if sig, ok := k.sigs[id]; ok {
		return sig, nil
	}
	sig, err := k.key.Sign(rand, digest, opts)
	if err != nil {
		return nil, err
	}
	k.sigs[id] = sig
	return sig, nil
}

// memoMessageKey is a memoKey that hashes the signed attributes itself,
// as a token that hashes on board does.
type memoMessageKey struct {
	*memoKey
	messages [][]byte
}

func (k *memoMessageKey) SignMessage(rand io.Reader, msg []byte, opts crypto.SignerOpts) ([]byte, error) {
	k.mu.Lock()
	k.messages = append(k.messages, bytes.Clone(msg))
	k.mu.Unlock()
	var d *digestAlgorithm
	if o, ok := opts.(*SignerOpts); ok {
		var err error
		if d, err = digestByOID(o.DigestAlgorithm); err != nil {
			return nil, err
		}
	} else {
		var err error
		if d, err = digestByHash(opts.HashFunc()); err != nil {
			return nil, err
		}
	}
	h := d.new()
	h.Write(msg)
	return k.Sign(rand, h.Sum(nil), opts)
}

// resetCertCache empties the per-certificate cache of the signing code.
func resetCertCache() {
	certCache.Lock()
	clear(certCache.m)
	certCache.Unlock()
}

// TestEncodingMatchesReference signs with every key type, with and
// without the chain, over a hash and over content, attached and
// detached, at signing times on both sides of the UTCTime range, with a
// hash override and extra attributes, and compares the result with the
// reference encoder byte for byte: once with an empty certificate cache
// and again with the cache filled. Every signature must verify.
func TestEncodingMatchesReference(t *testing.T) {
	fixedTimes := []time.Time{
		time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1949, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2049, 12, 31, 23, 59, 59, 500, time.UTC),
		time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
	}
	// An attribute that sorts first (short) and one that sorts last
	// (long): the unsigned-looking OIDs do not matter to the encoder.
	extra := [][]byte{
		{0x30, 0x08, 0x06, 0x02, 0x2a, 0x03, 0x31, 0x02, 0x05, 0x00},
		append([]byte{0x30, 0x81, 0x90, 0x06, 0x02, 0x2a, 0x04, 0x31, 0x81, 0x89, 0x04, 0x81, 0x86}, bytes.Repeat([]byte{7}, 0x86)...),
	}
	for _, spec := range []keySpec{specGOST256, specGOST512, specP256, specP384, specRSA} {
		t.Run(spec.name, func(t *testing.T) {
			p := newPKI(t, spec)
			leaf := p.leaf(t, "leaf", spec)
			roots := []*cert.Certificate{p.root.cert}
			// The first two times are within the certificate's validity:
			// those signatures are verified.
			now := time.Now().Add(time.Second)
			times := append([]time.Time{now, now.In(time.FixedZone("MSK", 3*3600))}, fixedTimes...)
			content := []byte("Акт сверки за ноябрь\n")
			type variant struct {
				name    string
				opts    Options
				msg     bool
				content []byte // instead of content when set
			}
			var variants []variant
			for i, at := range times {
				variants = append(variants,
					variant{name: fmt.Sprintf("time%d", i), opts: Options{SigningTime: at}},
					variant{name: fmt.Sprintf("time%d/chain", i), opts: Options{SigningTime: at, IncludeChain: true}})
			}
			variants = append(variants,
				variant{name: "extra", opts: Options{SigningTime: times[0], IncludeChain: true, extraAttributes: extra}},
				variant{name: "message", opts: Options{SigningTime: times[0], IncludeChain: true}, msg: true},
				variant{name: "attached", opts: Options{SigningTime: times[0], Attached: true}},
				variant{name: "attached/chain", opts: Options{SigningTime: times[0], Attached: true, IncludeChain: true}},
				variant{name: "attached/empty", opts: Options{SigningTime: times[0], Attached: true}, content: []byte{}},
				variant{name: "attached/large", opts: Options{SigningTime: times[0], Attached: true, IncludeChain: true},
					content: bytes.Repeat([]byte("0123456789abcdef"), 70000/16)})
			switch leaf.cert.PublicKey.(type) {
			case *ecdsa.PublicKey, *rsa.PublicKey:
				variants = append(variants,
					variant{name: "sha512", opts: Options{SigningTime: times[0], Hash: crypto.SHA512}},
					variant{name: "sha224", opts: Options{SigningTime: times[0], Hash: crypto.SHA224, IncludeChain: true}})
			}
			for _, v := range variants {
				t.Run(v.name, func(t *testing.T) {
					mk := newMemoKey(leaf.key)
					var key crypto.Signer = mk
					var mmk *memoMessageKey
					if v.msg {
						mmk = &memoMessageKey{memoKey: mk}
						key = mmk
					}
					s := Signer{Key: key, Certificate: leaf.cert, Chain: []*cert.Certificate{p.inter.cert, leaf.cert}}
					opts := v.opts
					content := content
					if v.content != nil {
						content = v.content
					}
					h, err := NewHash(leaf.cert.PublicKey, opts.Hash)
					if err != nil {
						t.Fatal(err)
					}
					h.Write(content)
					digest := h.Sum(nil)
					var want []byte
					if opts.Attached {
						want = refSign(t, nil, content, s, &opts)
					} else {
						want = refSign(t, digest, nil, s, &opts)
					}
					for _, cached := range []bool{false, true} {
						if !cached {
							resetCertCache()
						}
						var got []byte
						if opts.Attached {
							got, err = Sign(bytes.NewReader(content), s, &opts)
						} else {
							got, err = SignDigest(digest, s, &opts)
						}
						if err != nil {
							t.Fatal(err)
						}
						if !bytes.Equal(got, want) {
							t.Fatalf("cached %v: signature differs from the reference\n got %x\nwant %x", cached, got, want)
						}
						if !opts.Attached {
							got, err := Sign(bytes.NewReader(content), s, &opts)
							if err != nil {
								t.Fatal(err)
							}
							if !bytes.Equal(got, want) {
								t.Fatalf("cached %v: Sign differs from the reference", cached)
							}
						}
					}
					if mmk != nil {
						if len(mmk.messages) == 0 || mmk.messages[0][0] != 0x31 {
							t.Fatalf("SignMessage got %x, want the SET OF the attributes", mmk.messages)
						}
					}
					if !opts.SigningTime.Equal(now) && !opts.SigningTime.Equal(times[1]) {
						return
					}
					vo := &VerifyOptions{Roots: roots, Intermediates: []*cert.Certificate{p.inter.cert}}
					if !opts.Attached {
						vo.Digest = digest
					}
					if _, err := Verify(want, vo); err != nil {
						t.Errorf("Verify: %v", err)
					}
				})
			}
		})
	}
}

// TestCoSignMatchesReference adds a second signer to a signature and
// compares the result with the reference encoder.
func TestCoSignMatchesReference(t *testing.T) {
	p := newPKI(t, specGOST256)
	first := p.leaf(t, "first", specGOST256)
	second := p.leaf(t, "second", specGOST512)
	at := time.Now().Add(time.Second)
	content := []byte("Договор поставки")
	s1 := Signer{Key: newMemoKey(first.key), Certificate: first.cert, Chain: []*cert.Certificate{p.inter.cert}}
	s2 := Signer{Key: newMemoKey(second.key), Certificate: second.cert, Chain: []*cert.Certificate{p.inter.cert}}
	for _, attached := range []bool{false, true} {
		opts := &Options{SigningTime: at, Attached: attached, IncludeChain: true}
		sig, err := Sign(bytes.NewReader(content), s1, opts)
		if err != nil {
			t.Fatal(err)
		}
		sd, err := Parse(sig)
		if err != nil {
			t.Fatal(err)
		}
		var in io.Reader
		if !attached {
			in = bytes.NewReader(content)
		}
		got, err := AddSigner(sig, in, s2, &Options{SigningTime: at, IncludeChain: true})
		if err != nil {
			t.Fatal(err)
		}
		prof, err := s2.profile(&Options{})
		if err != nil {
			t.Fatal(err)
		}
		h := prof.digest.new()
		h.Write(content)
		si := refSignerInfo(t, h.Sum(nil), s2, &Options{SigningTime: at})
		algs := append(slices.Clone(sd.rawDigestAlgorithms), refDigestAlgorithm(prof.digest))
		certs := slices.Clone(sd.rawCertificates)
		certs = append(certs, second.cert.Raw)
		want := refSignedData(1, algs, sd.rawEncapContentInfo, certs, nil, [][]byte{sd.SignerInfos[0].Raw, si})
		if !bytes.Equal(got, want) {
			t.Fatalf("attached %v: co-signature differs from the reference\n got %x\nwant %x", attached, got, want)
		}
		vo := &VerifyOptions{Roots: []*cert.Certificate{p.root.cert}}
		if !attached {
			vo.Content = bytes.NewReader(content)
		}
		if _, err := Verify(got, vo); err != nil {
			t.Errorf("attached %v: Verify: %v", attached, err)
		}
	}
}

// TestCertCacheChecksCertificate signs with a copy of a certificate that
// has the same DER but another serial number and issuer: the cached
// parts of the first must not be used for the second.
func TestCertCacheChecksCertificate(t *testing.T) {
	p := newPKI(t, specGOST256)
	leaf := p.leaf(t, "leaf", specGOST256)
	at := time.Date(2026, 11, 22, 12, 30, 45, 0, time.UTC)
	digest := bytes.Repeat([]byte{1}, 32)
	key := &fixedKey{pub: leaf.cert.PublicKey, sig: fixedSignature(leaf.cert)}
	opts := &Options{SigningTime: at}
	resetCertCache()
	if _, err := SignDigest(digest, Signer{Key: key, Certificate: leaf.cert}, opts); err != nil {
		t.Fatal(err)
	}
	other := *leaf.cert
	other.SerialNumber = new(big.Int).Add(leaf.cert.SerialNumber, big.NewInt(1))
	other.RawIssuer = p.root.cert.RawSubject
	s := Signer{Key: key, Certificate: &other}
	got, err := SignDigest(digest, s, opts)
	if err != nil {
		t.Fatal(err)
	}
	if want := refSign(t, digest, nil, s, opts); !bytes.Equal(got, want) {
		t.Fatalf("a certificate with the same DER got the parts of the first\n got %x\nwant %x", got, want)
	}
	other.SerialNumber = nil
	if _, err := SignDigest(digest, s, opts); err == nil {
		t.Error("a certificate without a serial number was accepted")
	}
}

// TestCertCacheConcurrent signs from many goroutines with more
// certificates than the cache holds; every signature must match the
// reference and the cache must stay within its bound.
func TestCertCacheConcurrent(t *testing.T) {
	p := newPKI(t, specGOST256)
	leaf := p.leaf(t, "leaf", specGOST256)
	key := &fixedKey{pub: leaf.cert.PublicKey, sig: fixedSignature(leaf.cert)}
	at := time.Date(2026, 11, 22, 12, 30, 45, 0, time.UTC)
	digest := bytes.Repeat([]byte{2}, 32)
	// Certificates that differ in their DER (a trailing byte is enough
	// for the encoder, which only copies and hashes it) and serial.
	n := 3 * certCacheEntries
	certs := make([]*cert.Certificate, n)
	want := make([][]byte, n)
	for i := range certs {
		c := *leaf.cert
		c.Raw = append(slices.Clip(leaf.cert.Raw), byte(i))
		c.SerialNumber = big.NewInt(int64(1000 + i))
		certs[i] = &c
		want[i] = refSign(t, digest, nil, Signer{Key: key, Certificate: &c}, &Options{SigningTime: at, IncludeChain: true})
	}
	resetCertCache()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for j := range 4 * n {
				i := (j*7 + g) % n
				if g%2 == 0 {
					i = j % 5 // a few certificates in constant use
				}
				got, err := SignDigest(digest, Signer{Key: key, Certificate: certs[i]}, &Options{SigningTime: at, IncludeChain: true})
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(got, want[i]) {
					errs <- fmt.Errorf("certificate %d: signature differs from the reference", i)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	certCache.RLock()
	size := len(certCache.m)
	certCache.RUnlock()
	if size > certCacheEntries {
		t.Errorf("cache holds %d entries, bound is %d", size, certCacheEntries)
	}
}

// TestMarshalAround writes a SignedData in front of a SignerInfo, with
// enough room and without, and compares both with the reference.
func TestMarshalAround(t *testing.T) {
	certs := [][]byte{bytes.Repeat([]byte{0x30}, 300), {0x30, 0x01, 0x00}, bytes.Repeat([]byte{0x31}, 70000)}
	for _, siLen := range []int{10, 200, 300, 70000} {
		si := append([]byte{0x30, 0x83, byte(siLen >> 16), byte(siLen >> 8), byte(siLen)}, bytes.Repeat([]byte{0xee}, siLen)...)
		want := refSignedData(1, [][]byte{digestStreebog256.der}, refEncap([]byte("abc"), true), certs, nil, [][]byte{si})
		newParts := func() *signedParts {
			return &signedParts{version: 1, content: []byte("abc"), attached: true,
				digestAlgs: [][]byte{digestStreebog256.der}, certs: slices.Clone(certs)}
		}
		p := newParts()
		reserve := p.reserve()
		buf := append(make([]byte, reserve+maxHeaderLen), si...)
		got, err := p.marshalAround(buf, reserve+maxHeaderLen)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("SignerInfo of %d bytes, with room: differs from the reference", siLen)
		}
		if got, err = newParts().marshalAround(slices.Clone(si), 0); err != nil || !bytes.Equal(got, want) {
			t.Errorf("SignerInfo of %d bytes, without room: differs from the reference (%v)", siLen, err)
		}
	}
}
