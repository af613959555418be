package validate

import "errors"

// Errors returned by this package; match them with errors.Is. A signature
// that parses never gives an error from Validate: what was found is in the
// report.
var (
	// ErrTrustList means a trusted list that cannot be read.
	ErrTrustList = errors.New("validate: unreadable trusted list")
)
