package agent

import (
	"context"

	"github.com/zavera/zavera/cert"
)

// Prompter is how the agent talks to the user: the desktop UI, the
// terminal (package agent/terminal) or a fake in tests.
//
// The agent calls at most one prompt per origin at a time, always with a
// context that ends when the prompt times out or the page goes away;
// implementations must return promptly when it does (ErrCancelled or the
// context's error). A refusal is ErrCancelled. Implementations must be safe
// for concurrent use: prompts for different origins may overlap, and a
// prompter that can show only one at a time queues them.
type Prompter interface {
	// ApproveOrigin asks whether a new origin may use the agent. The
	// page shows the same pairing code, so that the user can tell
	// which page asks. It returns nil when the user approves.
	ApproveOrigin(ctx context.Context, req OriginRequest) error
	// ConfirmSigning shows what is about to be signed and returns nil
	// when the user confirms.
	ConfirmSigning(ctx context.Context, req SigningRequest) error
	// PIN asks for the token's PIN. The agent wipes the returned PIN
	// after use.
	PIN(ctx context.Context, req PINRequest) (*PIN, error)
	// Notify shows an error or notice to the user; it does not wait.
	Notify(n Notice)
}

// OriginRequest is the consent asked for a new origin.
type OriginRequest struct {
	Origin      string
	PairingCode string
}

// SigningKind says what a signature is for.
type SigningKind string

// Kinds of signing requests.
const (
	SignDocument  SigningKind = "document"
	SignBatch     SigningKind = "batch"
	SignChallenge SigningKind = "login"
	// SignCosign adds the user's signature to a signature that others
	// made; SigningRequest.Cosigners names them.
	SignCosign SigningKind = "cosign"
	// SignRaw is a bare signature over a hash the page gives, without
	// a container: the site can use it for any purpose. Only origins
	// the machine-wide configuration lists may ask for one.
	SignRaw SigningKind = "raw"
)

// FileInfo is a document: its name as the page declared it, and what the
// agent found in it. The page's name is only a label; what is signed is
// told by the digest.
type FileInfo struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
	// The fields below are filled in by the agent from the data it signs,
	// never taken from the page. Hash is the digest in hex that the
	// signature's messageDigest carries, named by HashAlg; Preview is the
	// start of a text document, PreviewType "text", "json", "xml" or
	// "pdf"; Pages is a PDF's page count, 0 when unknown.
	Hash        string `json:"-"`
	HashAlg     string `json:"-"`
	Preview     string `json:"-"`
	PreviewType string `json:"-"`
	Pages       int    `json:"-"`
}

// SigningRequest is what the user confirms before a signature or a batch.
type SigningRequest struct {
	Kind        SigningKind
	Origin      string
	Description string
	// Files lists the documents actually signed, with the agent's own
	// digest of each: one for a signature, one per document for a batch.
	Files []FileInfo
	// Declared lists the files a page said a single document is made of
	// when it named more than one: names and sizes as the page gave them,
	// shown only as its labels, never as what is signed.
	Declared    []FileInfo
	Certificate *cert.Certificate
	// Count is the number of signatures that will be made.
	Count int
	// Cosigners names the signers already on a signature that SignCosign
	// adds to, from their certificates in the signature.
	Cosigners []string
}

// PINRequest asks for a token's PIN.
type PINRequest struct {
	Origin      string
	Token       Token
	Certificate *cert.Certificate
	// TriesLeft is the number of tries before the PIN locks after a
	// wrong PIN, -1 when unknown; Retry is true after a wrong PIN.
	TriesLeft int
	Retry     bool
}

// Notice is a message for the user.
type Notice struct {
	Origin  string
	Message string
}
