package journal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/zavera/zavera/internal/jsonstr"
)

// Events recorded in the journal.
const (
	EventConsent   = "consent"   // the user approved or refused an origin
	EventSignature = "signature" // a signature was made, refused or failed
	EventRefusal   = "refusal"   // requests refused before any prompt, counted (see Count)
	EventRecovery  = "recovery"  // what a crash left unfinished was cut off on open
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
	// Count is how many requests a refusal record stands for: those of
	// its origin refused for its reason since the last such record.
	Count uint64 `json:"count,omitempty"`
	Prev  string `json:"prev"`
	Hash  string `json:"hash,omitempty"`
	// MAC is the keyed MAC of Hash with the installation's journal key
	// (see key.go); empty in records written before the journal had one.
	MAC string `json:"mac,omitempty"`
}

// zeroHash is the prev of the first record.
var zeroHash = hex.EncodeToString(make([]byte, sha256.Size))

// hashMember is what precedes the hash in every line, and macMember what
// follows the hash when the record has a MAC.
var (
	hashMember = []byte(`,"hash":"`)
	macMember  = `","mac":"`
)

// encode returns the line for r (without its newline) and its hash. The
// line is exactly what json.Marshal makes of r without its hash and MAC,
// closed right after "prev", followed by the hash member: the hash covers
// the bytes json.Marshal produces. The MAC member, if any, is added after
// (see withMAC).
func encode(r Record) (line []byte, hash string, err error) {
	line, ok := appendBody(make([]byte, 0, lineSize(&r)), &r)
	if !ok {
		// A time that RFC 3339 cannot express: let encoding/json say so.
		r.Hash, r.MAC = "", ""
		if line, err = json.Marshal(r); err != nil {
			return nil, "", fmt.Errorf("journal: encode record: %w", err)
		}
	}
	sum := sha256.Sum256(line)
	line = append(line[:len(line)-1], hashMember...)
	line = hex.AppendEncode(line, sum[:])
	hash = string(line[len(line)-2*sha256.Size:])
	line = append(line, '"', '}')
	return line, hash, nil
}

// lineSize is the capacity that holds r's line unless its strings need
// many escapes.
func lineSize(r *Record) int {
	n := len(r.Event) + len(r.Origin) + len(r.Certificate) + len(r.Subject) +
		len(r.Document) + len(r.DocumentHash) + len(r.Description) +
		len(r.Outcome) + len(r.Reason) + len(r.Prev)
	// Members' names, quotes and separators, the longest seq, count
	// and time, the hash and MAC members, and room for a few escapes.
	return n + n/8 + 440
}

// appendBody appends r without its hash to b as json.Marshal encodes it,
// byte for byte: members in the order of Record's fields, the
// omitempty ones left out when empty, strings escaped as encoding/json
// escapes them (HTML characters included) and the time as its
// MarshalJSON writes it. It reports false when the time cannot be
// written as RFC 3339 (the year or the zone's offset out of range),
// for which json.Marshal fails.
func appendBody(b []byte, r *Record) ([]byte, bool) {
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, r.Seq, 10)
	b = append(b, `,"time":"`...)
	var ok bool
	if b, ok = appendTime(b, r.Time); !ok {
		return b, false
	}
	b = append(b, `","event":`...)
	b = jsonstr.Append(b, r.Event)
	if r.Origin != "" {
		b = append(b, `,"origin":`...)
		b = jsonstr.Append(b, r.Origin)
	}
	if r.Certificate != "" {
		b = append(b, `,"certificate":`...)
		b = jsonstr.Append(b, r.Certificate)
	}
	if r.Subject != "" {
		b = append(b, `,"subject":`...)
		b = jsonstr.Append(b, r.Subject)
	}
	if r.Document != "" {
		b = append(b, `,"document":`...)
		b = jsonstr.Append(b, r.Document)
	}
	if r.DocumentHash != "" {
		b = append(b, `,"documentHash":`...)
		b = jsonstr.Append(b, r.DocumentHash)
	}
	if r.Description != "" {
		b = append(b, `,"description":`...)
		b = jsonstr.Append(b, r.Description)
	}
	b = append(b, `,"outcome":`...)
	b = jsonstr.Append(b, r.Outcome)
	if r.Reason != "" {
		b = append(b, `,"reason":`...)
		b = jsonstr.Append(b, r.Reason)
	}
	if r.Count != 0 {
		b = append(b, `,"count":`...)
		b = strconv.AppendUint(b, r.Count, 10)
	}
	b = append(b, `,"prev":`...)
	b = jsonstr.Append(b, r.Prev)
	return append(b, '}'), true
}

// appendTime appends t as time.Time's MarshalJSON does, without the
// quotes, and reports false where MarshalJSON fails.
func appendTime(b []byte, t time.Time) ([]byte, bool) {
	n := len(b)
	b = t.AppendFormat(b, time.RFC3339Nano)
	// The checks of MarshalJSON: a year of exactly four digits and a
	// zone's offset of whole minutes under 24 hours.
	if b[n+len("9999")] != '-' {
		return b, false
	}
	if b[len(b)-1] != 'Z' {
		c := b[len(b)-len("Z07:00")]
		h := b[len(b)-len("07:00"):]
		if '0' <= c && c <= '9' || 10*(h[0]-'0')+(h[1]-'0') >= 24 {
			return b, false
		}
	}
	return b, true
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
	// After the hash member only the hash itself and the MAC member may
	// follow, exactly as encode and withMAC write them.
	tail := string(line[i+len(hashMember):])
	want := r.Hash + `"}`
	if r.MAC != "" {
		want = r.Hash + macMember + r.MAC + `"}`
	}
	if tail != want {
		return r, fmt.Errorf("%w: hash does not match the record", ErrTampered)
	}
	body := append(append([]byte(nil), line[:i]...), '}')
	sum := sha256.Sum256(body)
	if got := hex.EncodeToString(sum[:]); got != r.Hash {
		return r, fmt.Errorf("%w: hash does not match the record", ErrTampered)
	}
	return r, nil
}

// withMAC appends the MAC member to a line made by encode.
func withMAC(line []byte, mac string) []byte {
	line = append(line[:len(line)-2], macMember...)
	line = append(line, mac...)
	return append(line, '"', '}')
}
