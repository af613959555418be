package cms

import (
	"bytes"
	"fmt"
	"slices"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// signedParts are the fields of a SignedData being written, each already
// encoded. Parts taken from a received signature are copied verbatim.
type signedParts struct {
	version     int
	digestAlgs  [][]byte
	encap       []byte
	certs       [][]byte
	crls        []byte
	signerInfos [][]byte
}

func (p *signedParts) addDigestAlgorithm(d *digestAlgorithm) {
	var b cryptobyte.Builder
	addAlgorithm(&b, AlgorithmIdentifier{Algorithm: d.oid})
	der := b.BytesOrPanic()
	for _, have := range p.digestAlgs {
		if n, err := parseBER(have); err == nil {
			if a, err := parseAlgorithm(&n); err == nil && a.Algorithm.Equal(d.oid) {
				return
			}
		}
	}
	p.digestAlgs = append(p.digestAlgs, der)
}

func (p *signedParts) addCertificate(der []byte) {
	for _, have := range p.certs {
		if bytes.Equal(have, der) {
			return
		}
	}
	p.certs = append(p.certs, der)
}

// DER contents of the two OIDs the streaming writer needs.
var (
	oidSignedDataDER = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02}
	oidDataDER       = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01}
)

func sortedCopy(list [][]byte) [][]byte {
	out := slices.Clone(list)
	slices.SortFunc(out, bytes.Compare)
	return out
}

// marshal writes the ContentInfo. digestAlgorithms and certificates are
// SET OF and sorted; signerInfos keep their order, so that the first
// signer stays first when others co-sign.
func (p *signedParts) marshal() ([]byte, error) {
	algs := sortedCopy(p.digestAlgs)
	certs := sortedCopy(p.certs)
	size := 64 + len(p.encap) + len(p.crls)
	for _, l := range [][][]byte{algs, certs, p.signerInfos} {
		for _, x := range l {
			size += len(x) + 8
		}
	}
	b := cryptobyte.NewBuilder(make([]byte, 0, size))
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidSignedData)
		b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(int64(p.version))
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					for _, a := range algs {
						b.AddBytes(a)
					}
				})
				b.AddBytes(p.encap)
				if len(certs) > 0 {
					b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
						for _, c := range certs {
							b.AddBytes(c)
						}
					})
				}
				if p.crls != nil {
					b.AddBytes(p.crls)
				}
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					for _, si := range p.signerInfos {
						b.AddBytes(si)
					}
				})
			})
		})
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("cms: encoding SignedData: %w", err)
	}
	return out, nil
}
