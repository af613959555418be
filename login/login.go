package login

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
)

// Prefix starts every login content, whatever its version. The agent
// refuses to sign data that starts with it by any method but
// signChallenge.
const Prefix = "zavera-login-"

// Bounds on a login nonce, in bytes.
const (
	MinNonce = 16
	MaxNonce = 256
)

// contentTypeOID is the login content type: the OID 2.25.N where N is the
// UUID c713a874-e4b3-46b1-a699-efd268c8af9c as an integer (ITU-T X.667,
// RFC 4122 section 4.1), generated once for this purpose.
const contentTypeOID = "2.25.264618441507569999371804154597349044124"

// ContentType is the eContentType of a login signature and the value of its
// contentType signed attribute. Only the agent's signChallenge writes it;
// sign and signBatch always write id-data.
var ContentType = mustParseOID(contentTypeOID)

func mustParseOID(s string) x509.OID {
	oid, err := x509.ParseOID(s)
	if err != nil {
		panic(err)
	}
	return oid
}

// Errors returned by Verify besides those of package cms, which it wraps
// as they come (cms.ErrMessageDigest for a login signed for another origin
// or nonce, cms.ErrChain, cms.ErrExpired, cms.ErrSignature, ...).
var (
	// ErrNotLogin means a signature that is not a login signature: another
	// content type (a document signed with sign or signBatch, also over
	// the login content or its hash), no signed contentType attribute,
	// attached content, or not exactly one signer.
	ErrNotLogin = errors.New("login: not a login signature")
	// ErrInvalidArgument means Options that cannot verify a login: no
	// origin or one that cannot be a serialised origin, a nonce of the
	// wrong size, no trust anchors.
	ErrInvalidArgument = errors.New("login: invalid argument")
)

// Content returns the bytes a login signature covers for a page of the
// given origin and the nonce its server issued:
//
//	zavera-login-v1\norigin=ORIGIN\nnonce=BASE64URL(NONCE)\n
//
// ORIGIN is the serialised origin in canonical form (lower case, default
// port dropped), as the agent saw it in the Origin header: a portal passes
// its own origin in that form.
func Content(origin string, nonce []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(Prefix) + 24 + len(origin) + base64.RawURLEncoding.EncodedLen(len(nonce)))
	b.WriteString(Prefix + "v1\norigin=")
	b.WriteString(origin)
	b.WriteString("\nnonce=")
	b.WriteString(base64.RawURLEncoding.EncodeToString(nonce))
	b.WriteString("\n")
	return b.Bytes()
}

// Options says what a login signature must be bound to and trusted by.
type Options struct {
	// Origin is the portal's own origin in canonical form, never one the
	// page or the request names.
	Origin string
	// Nonce is the nonce the portal issued for this login attempt, which
	// it must accept only once and only for a short time.
	Nonce []byte
	// Roots are the trust anchors; at least one is required.
	Roots []*cert.Certificate
	// Intermediates are extra CA certificates; those in the signature
	// are used as well.
	Intermediates []*cert.Certificate
	// Time is the time of the login, zero meaning now: the certificate
	// and its chain must be valid then as well as at the signing time
	// the signature states.
	Time time.Time
}

// Verify checks a login signature made by the agent's signChallenge and
// returns the result of package cms, whose only signer's Certificate says
// who logged in. It requires:
//
//   - exactly one signer, with signed attributes;
//   - the login ContentType both as eContentType and in the signed
//     contentType attribute, so that no signature made by sign or
//     signBatch passes, whatever it covers;
//   - a detached signature over Content(opts.Origin, opts.Nonce), rebuilt
//     here from the portal's own origin and nonce;
//   - every check of cms.Verify: the signature, signingCertificateV2, the
//     key usage, the certificate and its chain to opts.Roots at the
//     signing time; and the certificate and chain valid at opts.Time too.
//
// The error is nil only when all hold. Otherwise it wraps ErrNotLogin,
// ErrInvalidArgument or the error of package cms; the result is returned
// whenever the signature parses.
func Verify(signature []byte, opts Options) (*cms.Result, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	at := opts.Time
	if at.IsZero() {
		at = time.Now()
	}
	res, err := cms.Verify(signature, &cms.VerifyOptions{
		Content:       bytes.NewReader(Content(opts.Origin, opts.Nonce)),
		Roots:         opts.Roots,
		Intermediates: opts.Intermediates,
		Time:          at,
	})
	if res == nil {
		return nil, err
	}
	if serr := structure(res); serr != nil {
		return res, serr
	}
	if err != nil {
		return res, err
	}
	s := res.Signers[0]
	for _, c := range append([]*cert.Certificate{s.Certificate}, s.Chain...) {
		if verr := c.ValidAt(at); verr != nil {
			return res, fmt.Errorf("%w: at the login: %w", cms.ErrExpired, verr)
		}
	}
	return res, nil
}

// structure checks what makes a signature a login signature rather than
// a document's.
func structure(res *cms.Result) error {
	sd := res.SignedData
	if n := len(sd.SignerInfos); n != 1 {
		return fmt.Errorf("%w: %d signers, a login has one", ErrNotLogin, n)
	}
	if !sd.ContentType.Equal(ContentType) {
		return fmt.Errorf("%w: content type %v, a login has %v", ErrNotLogin, sd.ContentType, ContentType)
	}
	if !sd.Detached {
		return fmt.Errorf("%w: the signature carries content, a login is detached", ErrNotLogin)
	}
	// Verify checked that the contentType attribute, when signed
	// attributes are present, equals eContentType: it must have passed.
	if c, ok := res.Signers[0].Check(cms.CheckContentType); !ok || c.Outcome != cms.Passed {
		return fmt.Errorf("%w: no signed contentType attribute naming the login type", ErrNotLogin)
	}
	return nil
}

// check refuses options that cannot bind a login.
func (o *Options) check() error {
	if o.Origin == "" {
		return fmt.Errorf("%w: no origin", ErrInvalidArgument)
	}
	for i := 0; i < len(o.Origin); i++ {
		if c := o.Origin[i]; c <= ' ' || c >= 0x7f {
			return fmt.Errorf("%w: origin %q has a space, control or non-ASCII character", ErrInvalidArgument, o.Origin)
		}
	}
	if len(o.Nonce) < MinNonce || len(o.Nonce) > MaxNonce {
		return fmt.Errorf("%w: nonce of %d bytes, want %d to %d", ErrInvalidArgument, len(o.Nonce), MinNonce, MaxNonce)
	}
	if len(o.Roots) == 0 {
		return fmt.Errorf("%w: no trust anchors", ErrInvalidArgument)
	}
	return nil
}
