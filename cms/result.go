package cms

import (
	"fmt"
	"strings"
	"time"

	"github.com/zavera/zavera/cert"
)

// CheckName names one check made on a signer.
type CheckName string

// The checks Verify makes on each signer, in this order.
const (
	CheckCertificate         CheckName = "certificate"          // the signer's certificate was found
	CheckContentType         CheckName = "content-type"         // contentType attribute matches eContentType
	CheckMessageDigest       CheckName = "message-digest"       // messageDigest matches the content
	CheckSignature           CheckName = "signature"            // the signature verifies with the certificate's key
	CheckSigningCertificate  CheckName = "signing-certificate"  // signingCertificate(V2) names this certificate
	CheckAlgorithmProtection CheckName = "algorithm-protection" // CMSAlgorithmProtection matches
	CheckValidity            CheckName = "validity"             // certificate valid at the signing time
	CheckKeyUsage            CheckName = "key-usage"            // digitalSignature or nonRepudiation
	CheckChain               CheckName = "chain"                // chains to a trust anchor given
)

// Outcome is the result of one check.
type Outcome int

// Outcomes. Skipped means the check did not apply (an optional attribute
// absent, no trust anchors given) or could not run because an earlier
// check failed.
const (
	Passed Outcome = iota + 1
	Failed
	Skipped
)

func (o Outcome) String() string {
	switch o {
	case Passed:
		return "passed"
	case Failed:
		return "failed"
	case Skipped:
		return "skipped"
	}
	return "unknown"
}

// Check is the outcome of one check with its detail: the error for a
// failure, the reason for a skip.
type Check struct {
	Name    CheckName
	Outcome Outcome
	Err     error
	Detail  string
}

// SignerResult is what Verify found about one signer.
type SignerResult struct {
	// Index is the signer's position in signerInfos, from 0.
	Index      int
	SignerInfo *SignerInfo
	// Certificate is the signer's certificate, nil when not found.
	Certificate *cert.Certificate
	// Chain is the path from Certificate to a trust anchor, when checked.
	Chain []*cert.Certificate
	// SigningTime is the signingTime attribute; HasSigningTime is false
	// when absent.
	SigningTime    time.Time
	HasSigningTime bool
	// CheckedAt is when the certificate and its chain were checked: the
	// validation time given, else the proven time, else the signing time,
	// else Time or now.
	// Zero when the checks did not get that far.
	CheckedAt time.Time
	// DigestAlgorithm is the name of the digest, for display.
	DigestAlgorithm string
	Checks          []Check
	// Err is the first failed check's error, nil when none failed.
	Err error
}

// Valid reports whether no check failed.
func (r *SignerResult) Valid() bool { return r.Err == nil }

// Check returns the outcome of the named check.
func (r *SignerResult) Check(name CheckName) (Check, bool) {
	for _, c := range r.Checks {
		if c.Name == name {
			return c, true
		}
	}
	return Check{}, false
}

func (r *SignerResult) pass(name CheckName, detail string) {
	r.Checks = append(r.Checks, Check{Name: name, Outcome: Passed, Detail: detail})
}

func (r *SignerResult) skip(name CheckName, reason string) {
	r.Checks = append(r.Checks, Check{Name: name, Outcome: Skipped, Detail: reason})
}

func (r *SignerResult) fail(name CheckName, err error) {
	r.Checks = append(r.Checks, Check{Name: name, Outcome: Failed, Err: err, Detail: err.Error()})
	if r.Err == nil {
		r.Err = fmt.Errorf("signer %d: %s: %w", r.Index+1, name, err)
	}
}

// Result is what Verify found about a signature.
type Result struct {
	SignedData *SignedData
	Signers    []*SignerResult
}

// Err returns the first signer's failure, nil when every signer passed.
func (r *Result) Err() error {
	if len(r.Signers) == 0 {
		return malformed("no signers")
	}
	for _, s := range r.Signers {
		if s.Err != nil {
			return s.Err
		}
	}
	return nil
}

// String summarises the result on a few lines.
func (r *Result) String() string {
	var sb strings.Builder
	for _, s := range r.Signers {
		fmt.Fprintf(&sb, "signer %d:", s.Index+1)
		for _, c := range s.Checks {
			fmt.Fprintf(&sb, " %s=%s", c.Name, c.Outcome)
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}
