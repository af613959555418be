package xmldsig

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/gost"
)

// Result is the outcome for one Signature of a document.
type Result struct {
	// Certificate is the first X509Certificate of the signature's
	// KeyInfo, nil when there is none or it does not parse.
	Certificate *cert.Certificate
	// SignatureMethod is the algorithm's URI.
	SignatureMethod string
	// References are what the signature covers, with the digests
	// computed here.
	References []Reference
	// Err is nil for a valid signature; otherwise it wraps
	// ErrDigestMismatch, ErrBadSignature, ErrUnsupported or
	// ErrMalformed. The certificate itself (its chain, its validity) is
	// not checked here.
	Err error
}

// Verify checks every XMLDSig Signature in src with the key of the
// certificate it carries. It fails only when src is not XML or has no
// signature; each signature's outcome is in its Result.
func Verify(src []byte) ([]Result, error) {
	doc, err := parse(src)
	if err != nil {
		return nil, err
	}
	sigs := signatures(doc)
	if len(sigs) == 0 {
		return nil, ErrNoSignature
	}
	if len(sigs) > maxSignatures {
		return nil, fmt.Errorf("%w: more than %d signatures", ErrTooLarge, maxSignatures)
	}
	out := make([]Result, len(sigs))
	for i, s := range sigs {
		out[i] = verifyOne(doc, s)
	}
	return out, nil
}

func verifyOne(doc *document, sig *element) (r Result) {
	fail := func(err error) Result { r.Err = err; return r }
	si := sig.child(Namespace, "SignedInfo")
	sv := sig.child(Namespace, "SignatureValue")
	if si == nil || sv == nil {
		return fail(fmt.Errorf("%w: Signature without SignedInfo or SignatureValue", ErrMalformed))
	}
	if ki := sig.child(Namespace, "KeyInfo"); ki != nil {
		if xd := ki.child(Namespace, "X509Data"); xd != nil {
			if xc := xd.child(Namespace, "X509Certificate"); xc != nil {
				if der, err := decode64(xc.textContent()); err == nil {
					r.Certificate, _ = cert.Parse(der)
				}
			}
		}
	}
	sm := si.child(Namespace, "SignatureMethod")
	if sm == nil {
		return fail(fmt.Errorf("%w: SignedInfo without SignatureMethod", ErrMalformed))
	}
	r.SignatureMethod, _ = sm.attr("Algorithm")
	size, err := signatureSize(r.SignatureMethod)
	if err != nil {
		return fail(err)
	}
	refs := refsOf(si)
	if len(refs) == 0 || len(refs) > maxReferences {
		return fail(fmt.Errorf("%w: %d references (1 to %d)", ErrMalformed, len(refs), maxReferences))
	}
	for _, ref := range refs {
		ref := ref
		got, err := referenceDigest(doc, sig, ref)
		if err != nil {
			return fail(err)
		}
		r.References = append(r.References, got)
		dv := ref.child(Namespace, "DigestValue")
		if dv == nil {
			return fail(fmt.Errorf("%w: Reference without DigestValue", ErrMalformed))
		}
		want, err := decode64(dv.textContent())
		if err != nil {
			return fail(fmt.Errorf("%w: DigestValue: %v", ErrMalformed, err))
		}
		if !bytes.Equal(want, got.Digest) {
			return fail(fmt.Errorf("%w: reference %q", ErrDigestMismatch, got.URI))
		}
	}
	if r.Certificate == nil {
		return fail(fmt.Errorf("%w: no X509Certificate in KeyInfo to verify with", ErrUnsupported))
	}
	pub, ok := r.Certificate.PublicKey.(*gost.PublicKey)
	if !ok || pub.Curve().Size() != size {
		return fail(fmt.Errorf("%w: the certificate's key does not fit %s", ErrBadSignature, r.SignatureMethod))
	}
	canon, err := canonicalSignedInfo(doc, si)
	if err != nil {
		return fail(err)
	}
	value, err := decode64(sv.textContent())
	if err != nil {
		return fail(fmt.Errorf("%w: SignatureValue: %v", ErrMalformed, err))
	}
	h := signedInfoHash(size)()
	h.Write(canon)
	if err := pub.Verify(h.Sum(nil), value); err != nil {
		return fail(fmt.Errorf("%w: %v", ErrBadSignature, err))
	}
	return r
}

// decode64 decodes base64 written with line breaks and spaces, as
// XMLDSig allows.
func decode64(s string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s))
}
