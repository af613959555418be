package journal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Events recorded in the journal.
const (
	EventConsent   = "consent"   // the user approved or refused an origin
	EventSignature = "signature" // a signature was made, refused or failed
	EventRefusal   = "refusal"   // a request refused before any prompt
	EventRecovery  = "recovery"  // a torn last line was cut off on open
	EventRevoke    = "revoke"    // an origin's approval was revoked
)

// Outcomes recorded in the journal.
const (
	OutcomeApproved = "approved"
	OutcomeSigned   = "signed"
	OutcomeRefused  = "refused"
	OutcomeFailed   = "failed"
)

// Record is one journal line. Seq, Prev and Hash are set by Append.
type Record struct {
	Seq   uint64    `json:"seq"`
	Time  time.Time `json:"time"`
	Event string    `json:"event"`
	// Origin is the page's origin, when a page asked.
	Origin string `json:"origin,omitempty"`
	// Certificate is the certificate's ID and Subject its subject name.
	Certificate string `json:"certificate,omitempty"`
	Subject     string `json:"subject,omitempty"`
	// Document is the hex hash of the signed document (the CMS
	// messageDigest) and DocumentHash the algorithm.
	Document     string `json:"document,omitempty"`
	DocumentHash string `json:"documentHash,omitempty"`
	// Description is the page's description of what was signed.
	Description string `json:"description,omitempty"`
	Outcome     string `json:"outcome"`
	// Reason is the error reason for a refusal or failure.
	Reason string `json:"reason,omitempty"`
	Prev   string `json:"prev"`
	Hash   string `json:"hash,omitempty"`
}

// zeroHash is the prev of the first record.
var zeroHash = hex.EncodeToString(make([]byte, sha256.Size))

// hashMember is what precedes the hash in every line.
var hashMember = []byte(`,"hash":"`)

// encode returns the line for r (without its newline) and its hash.
func encode(r Record) (line []byte, hash string, err error) {
	r.Hash = ""
	body, err := json.Marshal(r)
	if err != nil {
		return nil, "", fmt.Errorf("journal: encode record: %w", err)
	}
	sum := sha256.Sum256(body)
	hash = hex.EncodeToString(sum[:])
	line = make([]byte, 0, len(body)+len(hashMember)+len(hash)+2)
	line = append(line, body[:len(body)-1]...)
	line = append(line, hashMember...)
	line = append(line, hash...)
	line = append(line, '"', '}')
	return line, hash, nil
}

// decode parses one line and checks that its hash covers its bytes.
func decode(line []byte) (Record, error) {
	var r Record
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, fmt.Errorf("%w: not a journal record: %v", ErrTampered, err)
	}
	if dec.More() {
		return r, fmt.Errorf("%w: data after the record", ErrTampered)
	}
	i := bytes.LastIndex(line, hashMember)
	if i < 0 || !bytes.HasSuffix(line, []byte(`"}`)) {
		return r, fmt.Errorf("%w: no hash member at the end", ErrTampered)
	}
	body := append(append([]byte(nil), line[:i]...), '}')
	sum := sha256.Sum256(body)
	if got := hex.EncodeToString(sum[:]); got != r.Hash || string(line[i+len(hashMember):len(line)-2]) != r.Hash {
		return r, fmt.Errorf("%w: hash does not match the record", ErrTampered)
	}
	return r, nil
}
