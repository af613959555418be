package agent

import (
	"context"
	"crypto"

	"github.com/zavera/zavera/cert"
)

// TokenSource is how the agent reaches tokens: the product wires the
// PKCS#11 source, tests a fake, and `zavera serve --key` a software key.
//
// Implementations must be safe for concurrent use: the agent calls them
// from one goroutine per request. Errors must wrap ErrTokenNotFound when a
// token is absent or was removed (also from Key.Sign during a batch),
// ErrCertificateNotFound for an unknown certificate ID, a *PINError (or
// ErrPINIncorrect) for a wrong PIN and ErrPINLocked for a blocked one.
type TokenSource interface {
	// Tokens lists the tokens present now.
	Tokens(ctx context.Context) ([]Token, error)
	// Certificates lists the certificates on every present token.
	Certificates(ctx context.Context) ([]Certificate, error)
	// OpenKey returns the private key of the certificate with the given
	// ID, logged in and ready to sign. When the token needs a login it
	// calls pin once; a nil PIN with a nil error never happens (pin
	// returns ErrCancelled instead). The source must not keep the PIN
	// after OpenKey returns: the agent wipes it then.
	OpenKey(ctx context.Context, certID string, pin PINFunc) (Key, error)
	// Subscribe calls fn for every token event until the returned
	// function is called. fn must not block for long.
	Subscribe(fn func(TokenEvent)) (unsubscribe func())
}

// PINFunc asks the user for the PIN of a token.
type PINFunc func(ctx context.Context, token Token) (*PIN, error)

// Key is a private key on a token, logged in. Sign follows the rules of
// cms.Signer: for GOST keys it gets the Streebog digest and returns
// BE(s) || BE(r). Close ends the request's use of the key; the agent calls
// it once, after the last signature of a request. A source may keep the
// token logged in for the next request, but no longer than its idle
// logout once no key of the token is open.
type Key interface {
	crypto.Signer
	Close() error
}

// PINAware is a Key that can tell whether its next signature may ask for
// the PIN. The agent holds an origin's prompt slot through the first
// signature of a request, since that is when a token logs in; a key that
// says no PIN will be asked lets it release the slot once the user has
// confirmed, so that the origin's next request can be confirmed while this
// one signs.
type PINAware interface {
	WillAskPIN() bool
}

// Token describes a token as pages see it.
type Token struct {
	// ID is stable while the token stays inserted (for PKCS#11, the
	// module, the slot and the token's serial number).
	ID           string `json:"id"`
	Label        string `json:"label"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Model        string `json:"model,omitempty"`
	Serial       string `json:"serial,omitempty"`
	// PINLocked is true when the user PIN is blocked.
	PINLocked bool `json:"pinLocked,omitempty"`
	// CertificatesAfterLogin is true when the token, not logged in, shows
	// no certificate and wants a login: its certificates may be private
	// objects, listed once the user logged in to it (a page cannot ask
	// for that login).
	CertificatesAfterLogin bool `json:"certificatesAfterLogin,omitempty"`
	// SoftwareKey is true for a key file or key container: not a
	// certified token, and its "PIN" is the file's password.
	SoftwareKey bool `json:"softwareKey,omitempty"`
}

// Certificate is a certificate on a token with its stable ID.
type Certificate struct {
	// ID identifies the certificate across restarts and reinsertions;
	// pages pass it back to sign.
	ID      string
	TokenID string
	Cert    *cert.Certificate
	// SoftwareKey is true when the private key is in a key file or key
	// container rather than on a token.
	SoftwareKey bool
}

// TokenEventKind says what happened to a token.
type TokenEventKind string

// Token events.
const (
	TokenInserted       TokenEventKind = "tokenInserted"
	TokenRemoved        TokenEventKind = "tokenRemoved"
	CertificatesChanged TokenEventKind = "certificatesChanged"
)

// TokenEvent is one change in the set of tokens or certificates.
type TokenEvent struct {
	Kind    TokenEventKind `json:"kind"`
	TokenID string         `json:"token"`
}
