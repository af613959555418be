package cades

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/asn1"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/gost/streebog"
	"github.com/zavera/zavera/revocation"
	"github.com/zavera/zavera/tsp"
)

var oidStreebog256 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 2}

// otherHash is OtherHashAlgAndValue, the OtherHash choice CryptoPro
// writes: Streebog-256 without parameters.
type otherHash struct {
	Algorithm struct {
		ID     asn1.ObjectIdentifier
		Params asn1.RawValue `asn1:"optional"`
	}
	Value []byte
}

func streebogHash(data []byte) otherHash {
	var h otherHash
	h.Algorithm.ID = oidStreebog256
	sum := streebog.Sum256(data)
	h.Value = sum[:]
	return h
}

// issuerSerial is IssuerSerial (RFC 5035) with the issuer as a
// directoryName.
type issuerSerial struct {
	Issuer asn1.RawValue // GeneralNames
	Serial *big.Int
}

// otherCertID is OtherCertID (RFC 5126 section 6.2.1).
type otherCertID struct {
	Hash         otherHash
	IssuerSerial issuerSerial
}

func certID(c *cert.Certificate) otherCertID {
	// GeneralNames { [4] EXPLICIT Name }
	dn := append([]byte{0xa4}, derLength(len(c.RawIssuer))...)
	dn = append(dn, c.RawIssuer...)
	names := append([]byte{0x30}, derLength(len(dn))...)
	names = append(names, dn...)
	return otherCertID{Hash: streebogHash(c.Raw), IssuerSerial: issuerSerial{Issuer: asn1.RawValue{FullBytes: names}, Serial: c.SerialNumber}}
}

func derLength(n int) []byte {
	if n < 0x80 {
		return []byte{byte(n)}
	}
	var b []byte
	for v := n; v > 0; v >>= 8 {
		b = append([]byte{byte(v)}, b...)
	}
	return append([]byte{0x80 | byte(len(b))}, b...)
}

// crlIdentifier and the other reference types follow RFC 5126 section
// 6.2.2, whose module uses explicit tags.
type crlIdentifier struct {
	Issuer     asn1.RawValue
	IssuedTime time.Time `asn1:"utc"`
	Number     *big.Int  `asn1:"optional"`
}

type crlValidatedID struct {
	Hash       otherHash
	Identifier crlIdentifier `asn1:"optional"`
}

type crlListID struct {
	CRLs []crlValidatedID
}

type ocspIdentifier struct {
	ResponderID asn1.RawValue
	ProducedAt  time.Time `asn1:"generalized"`
}

type ocspResponsesID struct {
	Identifier ocspIdentifier
	Hash       otherHash `asn1:"optional"`
}

type ocspListID struct {
	Responses []ocspResponsesID
}

// crlOcspRef is CrlOcspRef; an empty one stands for a certificate
// without revocation data (the anchor, a responder with ocsp-nocheck).
type crlOcspRef struct {
	CRLs asn1.RawValue `asn1:"optional"` // [0] EXPLICIT CRLListID
	OCSP asn1.RawValue `asn1:"optional"` // [1] EXPLICIT OcspListID
}

// explicit wraps v's DER in the context tag n, constructed.
func explicit(n int, v any) (asn1.RawValue, error) {
	der, err := asn1.Marshal(v)
	if err != nil {
		return asn1.RawValue{}, err
	}
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: n, IsCompound: true, Bytes: der}, nil
}

// XLongOptions says how to gather the validation data of CAdES-X Long
// Type 1.
type XLongOptions struct {
	// Timestamper gives the signature-time-stamp (when a signer has none)
	// and the CAdES-C time-stamp.
	Timestamper Timestamper
	// Roots are the trust anchors the signers' paths end at;
	// Intermediates are CA certificates besides the signature's own.
	Roots, Intermediates []*cert.Certificate
	// Revocation says where to find revocation data (see package
	// revocation); nil fetches them from the certificates' responders and
	// distribution points.
	Revocation *revocation.Options
	// Now is when the path is checked; zero means now.
	Now time.Time
	// Signers are the indexes (from 0) of the signers to enhance; nil
	// means every signer. The others are left as they are.
	Signers []int
}

// AddXLongType1 makes every signer of a CAdES-BES or CAdES-T signature
// CAdES-X Long Type 1, as CryptoPro does: a signature-time-stamp when
// missing, then complete-certificate-references (the path and OCSP
// responder certificates but the signer's), complete-revocation-references
// (one entry per certificate of the path), certificate-values (the
// signer's certificate, its path and the responders'), revocation-values
// (the CRLs and basic OCSP responses found) and the CAdES-C time-stamp
// over the signature value and those attributes. A signer already
// carrying references is left alone. Errors come from the TSA, from the
// path (cert errors) or from revocation (revocation.ErrUnavailable,
// revocation.ErrStale); a certificate found revoked gives an error too.
func AddXLongType1(ctx context.Context, signature []byte, opts *XLongOptions) ([]byte, error) {
	if opts == nil || opts.Timestamper == nil {
		return nil, fmt.Errorf("%w: a time-stamping authority is needed", ErrInvalidArgument)
	}
	out, err := AddTimestampTo(ctx, signature, opts.Timestamper, opts.Signers)
	if err != nil {
		return nil, err
	}
	sd, err := cms.ParseAny(out)
	if err != nil {
		return nil, err
	}
	var embedded []*cert.Certificate
	for _, der := range sd.Certificates {
		if c, err := cert.Parse(der); err == nil {
			embedded = append(embedded, c)
		}
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	for i, si := range sd.SignerInfos {
		if !selected(opts.Signers, i) {
			continue
		}
		if _, ok := si.UnsignedAttribute(OIDCompleteCertRefs); ok {
			continue
		}
		attrs, err := xlongAttributes(ctx, si, embedded, now, opts)
		if err != nil {
			return nil, fmt.Errorf("cades: signer %d: %w", i+1, err)
		}
		if out, err = cms.AddUnsignedAttributes(out, i, attrs...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func xlongAttributes(ctx context.Context, si *cms.SignerInfo, embedded []*cert.Certificate, now time.Time, opts *XLongOptions) ([][]byte, error) {
	signer := findSigner(si, append(append([]*cert.Certificate(nil), embedded...), opts.Intermediates...))
	if signer == nil {
		return nil, fmt.Errorf("%w: the signer's certificate is not in the signature", cms.ErrCertificateNotFound)
	}
	chain, err := cert.VerifyChain(signer, append(append([]*cert.Certificate(nil), embedded...), opts.Intermediates...), opts.Roots, now)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", cms.ErrChain, err)
	}
	toks, err := SignatureTimestamps(si)
	if err != nil || len(toks) == 0 {
		return nil, fmt.Errorf("%w: no signature-time-stamp", ErrInvalidArgument)
	}
	// The revocation data must be issued after the time-stamp so that
	// they speak of the time the signature is proven to exist.
	at := toks[0].GenTime
	ro := opts.Revocation
	if ro == nil {
		ro = &revocation.Options{}
	}
	var refs []crlOcspRef
	var crlVals, ocspVals []asn1.RawValue
	others := append([]*cert.Certificate(nil), chain[1:]...)
	for j, c := range chain {
		if j == len(chain)-1 {
			refs = append(refs, crlOcspRef{})
			break
		}
		st, err := revocation.Check(ctx, c, chain[j+1], at, ro)
		if err != nil {
			return nil, err
		}
		if st.Revoked && !st.RevokedAt.After(at) {
			return nil, fmt.Errorf("cades: %s was revoked on %s", c.Subject, st.RevokedAt.Format(time.RFC3339))
		}
		switch {
		case st.OCSP != nil:
			v, err := explicit(1, ocspListID{Responses: []ocspResponsesID{{
				Identifier: ocspIdentifier{ResponderID: st.OCSP.ResponderID(), ProducedAt: st.OCSP.ProducedAt},
				Hash:       streebogHash(st.OCSP.RawBasic)}}})
			if err != nil {
				return nil, fmt.Errorf("cades: encoding an OCSP reference: %w", err)
			}
			refs = append(refs, crlOcspRef{OCSP: v})
			ocspVals = append(ocspVals, asn1.RawValue{FullBytes: st.OCSP.RawBasic})
			if st.Signer != nil && !bytes.Equal(st.Signer.Raw, chain[j+1].Raw) {
				others = appendCert(others, st.Signer)
			}
		case st.CRL != nil:
			id := crlIdentifier{Issuer: asn1.RawValue{FullBytes: st.CRL.RawIssuer}, IssuedTime: st.CRL.ThisUpdate, Number: st.CRL.Number}
			v, err := explicit(0, crlListID{CRLs: []crlValidatedID{{Hash: streebogHash(st.CRL.Raw), Identifier: id}}})
			if err != nil {
				return nil, fmt.Errorf("cades: encoding a CRL reference: %w", err)
			}
			refs = append(refs, crlOcspRef{CRLs: v})
			crlVals = append(crlVals, asn1.RawValue{FullBytes: st.CRL.Raw})
		}
	}
	var certRefs []otherCertID
	certVals := []asn1.RawValue{{FullBytes: signer.Raw}}
	for _, c := range others {
		certRefs = append(certRefs, certID(c))
		certVals = append(certVals, asn1.RawValue{FullBytes: c.Raw})
	}
	marshal := func(t asn1.ObjectIdentifier, v any) ([]byte, error) {
		der, err := asn1.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("cades: encoding %v: %w", t, err)
		}
		return cms.MarshalAttribute(t, der)
	}
	certRefsAttr, err := marshal(OIDCompleteCertRefs, certRefs)
	if err != nil {
		return nil, err
	}
	revRefsAttr, err := marshal(OIDCompleteRevocationRefs, refs)
	if err != nil {
		return nil, err
	}
	certValsAttr, err := marshal(OIDCertValues, certVals)
	if err != nil {
		return nil, err
	}
	rv := revocationValues{CRLVals: crlVals, OCSPVals: ocspVals}
	revValsAttr, err := marshal(OIDRevocationValues, rv)
	if err != nil {
		return nil, err
	}
	tsAttr, ok := rawAttribute(si, OIDSignatureTimeStamp)
	if !ok {
		return nil, fmt.Errorf("%w: no signature-time-stamp", ErrInvalidArgument)
	}
	data := EscTimestampData(si.Signature, tsAttr, certRefsAttr, revRefsAttr)
	tok, err := timestampOf(ctx, opts.Timestamper, si, data)
	if err != nil {
		return nil, fmt.Errorf("CAdES-C time-stamp: %w", err)
	}
	escAttr, err := cms.MarshalAttribute(OIDEscTimeStamp, tok.Raw)
	if err != nil {
		return nil, err
	}
	return [][]byte{revRefsAttr, revValsAttr, certRefsAttr, escAttr, certValsAttr}, nil
}

// EscTimestampData is what the CAdES-C time-stamp (escTimeStamp) covers,
// as CryptoPro computes it: the signature value's bytes, then the
// signature-time-stamp, complete-certificate-references and
// complete-revocation-references attributes, each as the content of its
// Attribute SEQUENCE (the type's OID and the SET of values, both DER).
func EscTimestampData(signatureValue []byte, attrs ...[]byte) []byte {
	out := bytes.Clone(signatureValue)
	for _, a := range attrs {
		var whole asn1.RawValue
		if _, err := asn1.Unmarshal(a, &whole); err == nil {
			out = append(out, whole.Bytes...)
		}
	}
	return out
}

// rawAttribute returns the DER of the first unsigned attribute of type t.
func rawAttribute(si *cms.SignerInfo, t asn1.ObjectIdentifier) ([]byte, bool) {
	vals, ok := si.UnsignedAttribute(t)
	if !ok {
		return nil, false
	}
	der, err := cms.MarshalAttribute(t, vals...)
	return der, err == nil
}

func appendCert(list []*cert.Certificate, c *cert.Certificate) []*cert.Certificate {
	for _, have := range list {
		if bytes.Equal(have.Raw, c.Raw) {
			return list
		}
	}
	return append(list, c)
}

// findSigner finds the certificate a SignerInfo names.
func findSigner(si *cms.SignerInfo, pool []*cert.Certificate) *cert.Certificate {
	for _, c := range pool {
		if si.SerialNumber != nil && c.SerialNumber != nil && c.SerialNumber.Cmp(si.SerialNumber) == 0 && bytes.Equal(c.RawIssuer, si.RawIssuer) {
			return c
		}
		if si.SubjectKeyID != nil && bytes.Equal(c.SubjectKeyID, si.SubjectKeyID) {
			return c
		}
	}
	return nil
}

// EscTimestamps returns the CAdES-C time-stamps (escTimeStamp) of a
// signer and the data they should cover (see EscTimestampData).
func EscTimestamps(si *cms.SignerInfo) ([]*tsp.Token, []byte, error) {
	vals, ok := si.UnsignedAttribute(OIDEscTimeStamp)
	if !ok {
		return nil, nil, nil
	}
	var parts [][]byte
	for _, t := range []asn1.ObjectIdentifier{OIDSignatureTimeStamp, OIDCompleteCertRefs, OIDCompleteRevocationRefs} {
		a, ok := rawAttribute(si, t)
		if !ok {
			return nil, nil, fmt.Errorf("%w: a CAdES-C time-stamp without the %v attribute it covers", cms.ErrMalformed, t)
		}
		parts = append(parts, a)
	}
	data := EscTimestampData(si.Signature, parts...)
	var toks []*tsp.Token
	for _, v := range vals {
		tok, err := tsp.ParseToken(v)
		if err != nil {
			return toks, data, err
		}
		toks = append(toks, tok)
	}
	return toks, data, nil
}

// CheckReferences checks that every certificate and OCSP response or CRL
// the complete references of a signer name, by their Streebog or other
// hash, is among its certificate-values and revocation-values or the
// certificates given (the signature's own), and returns what is missing.
func CheckReferences(si *cms.SignerInfo, certs [][]byte) error {
	if _, ok := si.UnsignedAttribute(OIDCompleteCertRefs); !ok {
		return nil
	}
	return ReadValues(si).CheckReferences(si, certs)
}

// CheckReferences is CheckReferences with the values of si already read.
func (v *Values) CheckReferences(si *cms.SignerInfo, certs [][]byte) error {
	rv, ok := si.UnsignedAttribute(OIDCompleteCertRefs)
	if !ok {
		return nil
	}
	if v.CertErr != nil {
		return v.CertErr
	}
	byHash := newHashedItems(append(append([][]byte(nil), v.Certificates...), certs...))
	var missing []string
	for _, val := range rv {
		var refs []struct {
			Hash asn1.RawValue
			Rest asn1.RawValue `asn1:"optional"`
		}
		if _, err := asn1.Unmarshal(val, &refs); err != nil {
			return fmt.Errorf("%w: complete-certificate-references: %v", cms.ErrMalformed, err)
		}
		for _, r := range refs {
			if !byHash.has(r.Hash) {
				missing = append(missing, "a certificate")
			}
		}
	}
	if v.RevErr != nil {
		return v.RevErr
	}
	var revList [][]byte
	for _, l := range v.CRLs {
		revList = append(revList, l.Raw)
	}
	for _, o := range v.OCSPResponses {
		revList = append(revList, o.RawBasic)
	}
	if vals, ok := si.UnsignedAttribute(OIDCompleteRevocationRefs); ok {
		revs := newHashedItems(revList)
		for _, val := range vals {
			var refs []asn1.RawValue
			if _, err := asn1.Unmarshal(val, &refs); err != nil {
				return fmt.Errorf("%w: complete-revocation-references: %v", cms.ErrMalformed, err)
			}
			for _, ref := range refs {
				for _, h := range revocationRefHashes(ref.Bytes) {
					if !revs.has(h) {
						missing = append(missing, "revocation data")
					}
				}
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: the references name %d item(s) the values lack: %v", ErrIncomplete, len(missing), missing)
	}
	return nil
}

// ErrIncomplete means CAdES-X Long references that name certificates or
// revocation data the signature does not carry.
var ErrIncomplete = fmt.Errorf("cades: long-term validation data incomplete")

// revocationRefHashes returns the OtherHash of each CRL and OCSP
// reference in a CrlOcspRef's content.
func revocationRefHashes(content []byte) []asn1.RawValue {
	var out []asn1.RawValue
	for len(content) > 0 {
		var tagged asn1.RawValue
		rest, err := asn1.Unmarshal(content, &tagged)
		if err != nil {
			return out
		}
		content = rest
		// [0] CRLListID { SEQUENCE OF CrlValidatedID { crlHash, ... } }
		// [1] OcspListID { SEQUENCE OF OcspResponsesID { id, hash } }
		var list struct{ Items []asn1.RawValue }
		if _, err := asn1.Unmarshal(tagged.Bytes, &list); err != nil {
			continue
		}
		for _, it := range list.Items {
			var fields []asn1.RawValue
			rest := it.Bytes
			for len(rest) > 0 {
				var f asn1.RawValue
				if rest, err = asn1.Unmarshal(rest, &f); err != nil {
					break
				}
				fields = append(fields, f)
			}
			switch {
			case tagged.Tag == 0 && len(fields) > 0:
				out = append(out, fields[0])
			case tagged.Tag == 1 && len(fields) > 1:
				out = append(out, fields[1])
			}
		}
	}
	return out
}

// hashedItems are certificates or revocation data that references are
// looked up in by hash. Each item is hashed at most once per algorithm,
// however many references are looked up, and an item given twice (a
// certificate both among the values and on the path) is hashed once.
type hashedItems struct {
	items [][]byte
	sums  map[string][][]byte // algorithm → the sum of each item, nil until computed
}

func newHashedItems(items [][]byte) *hashedItems {
	h := &hashedItems{sums: map[string][][]byte{}}
	for _, it := range items {
		if !slices.ContainsFunc(h.items, func(have []byte) bool { return bytes.Equal(have, it) }) {
			h.items = append(h.items, it)
		}
	}
	return h
}

// sum returns the hash of item i by the algorithm named alg.
func (h *hashedItems) sum(alg string, i int, f func([]byte) []byte) []byte {
	s := h.sums[alg]
	if s == nil {
		s = make([][]byte, len(h.items))
		h.sums[alg] = s
	}
	if s[i] == nil {
		s[i] = f(h.items[i])
	}
	return s[i]
}

// has reports whether the OtherHash ref is the hash of one of the items:
// SHA-1 as a bare OCTET STRING, or Streebog named by its OID.
func (h *hashedItems) has(ref asn1.RawValue) bool {
	var want []byte
	var alg string
	var sum func([]byte) []byte
	if ref.Tag == asn1.TagOctetString {
		want, alg = ref.Bytes, "sha1"
		sum = func(b []byte) []byte { s := sha1.Sum(b); return s[:] }
	} else {
		var oh otherHash
		if _, err := asn1.Unmarshal(ref.FullBytes, &oh); err != nil {
			return false
		}
		want = oh.Value
		switch {
		case oh.Algorithm.ID.Equal(oidStreebog256):
			alg = "streebog256"
			sum = func(b []byte) []byte { s := streebog.Sum256(b); return s[:] }
		case oh.Algorithm.ID.Equal(oidStreebog512):
			alg = "streebog512"
			sum = func(b []byte) []byte { s := streebog.Sum512(b); return s[:] }
		default:
			return false
		}
	}
	for i := range h.items {
		if bytes.Equal(h.sum(alg, i, sum), want) {
			return true
		}
	}
	return false
}
