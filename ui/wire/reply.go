package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Limits on a reply.
const (
	maxReplyLine = 4 << 10
	// MaxPIN bounds a PIN's length.
	MaxPIN = 256
)

// Answer is what the user chose.
type Answer string

// The answers.
const (
	// Approve allows a site once (for this run of the agent).
	Approve Answer = "approve"
	// ApproveAlways allows a site and remembers it.
	ApproveAlways Answer = "always"
	// Confirm confirms a signature; the reply may carry a PIN.
	Confirm Answer = "confirm"
	// Refuse is a refusal, Escape or a closed window.
	Refuse Answer = "refuse"
	// Dismissed closes a notice, or a batch's progress once finished.
	Dismissed Answer = "dismissed"
	// Cancel stops a batch being signed (KindProgress). The window stays
	// until the agent reports the batch finished.
	Cancel Answer = "cancel"
)

// Event is a reply that is not the answer.
type Event string

// Shown is sent once the window is on screen.
const Shown Event = "shown"

// Reply is one line from the window process: an event, or the final
// answer.
type Reply struct {
	Event  Event  `json:"event,omitempty"`
	Answer Answer `json:"answer,omitempty"`
	// PINLength is the number of PIN bytes after the line.
	PINLength int `json:"pinLength,omitempty"`
}

// WriteReply writes r and, when pin is not empty, the PIN bytes after it.
func WriteReply(w io.Writer, r Reply, pin []byte) error {
	if len(pin) > MaxPIN {
		return fmt.Errorf("%w: PIN of %d bytes", ErrTooLarge, len(pin))
	}
	r.PINLength = len(pin)
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("wire: %w", err)
	}
	b = append(b, '\n')
	b = append(b, pin...)
	_, err = w.Write(b)
	wipe(b)
	return err
}

// ReplyReader reads replies without buffering ahead, so that PIN bytes
// are read only into the slice handed to the caller.
type ReplyReader struct {
	r    io.Reader
	line []byte
}

// NewReplyReader reads replies from r.
func NewReplyReader(r io.Reader) *ReplyReader {
	return &ReplyReader{r: r, line: make([]byte, 0, 256)}
}

// Next returns the next reply and the PIN that follows it, if any; the
// caller wipes the PIN. At the end of the input it returns io.EOF.
func (rr *ReplyReader) Next() (Reply, []byte, error) {
	var b [1]byte
	rr.line = rr.line[:0]
	for {
		n, err := rr.r.Read(b[:])
		if n == 1 {
			if b[0] == '\n' {
				break
			}
			if len(rr.line) >= maxReplyLine {
				return Reply{}, nil, fmt.Errorf("%w: reply line over %d bytes", ErrTooLarge, maxReplyLine)
			}
			rr.line = append(rr.line, b[0])
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) && len(rr.line) > 0 {
				return Reply{}, nil, fmt.Errorf("%w: reply cut short", ErrMalformed)
			}
			return Reply{}, nil, err
		}
	}
	var r Reply
	if err := json.Unmarshal(rr.line, &r); err != nil {
		return Reply{}, nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if (r.Event == "") == (r.Answer == "") || r.PINLength < 0 || r.PINLength > MaxPIN ||
		(r.PINLength > 0 && r.Answer != Confirm) {
		return Reply{}, nil, fmt.Errorf("%w: reply %s", ErrMalformed, rr.line)
	}
	switch r.Answer {
	case "", Approve, ApproveAlways, Confirm, Refuse, Dismissed, Cancel:
	default:
		return Reply{}, nil, fmt.Errorf("%w: answer %q", ErrMalformed, r.Answer)
	}
	if r.PINLength == 0 {
		return r, nil, nil
	}
	pin := make([]byte, r.PINLength)
	if _, err := io.ReadFull(rr.r, pin); err != nil {
		wipe(pin)
		return Reply{}, nil, fmt.Errorf("%w: PIN cut short", ErrMalformed)
	}
	return r, pin, nil
}

func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
