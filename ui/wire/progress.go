package wire

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// MaxUpdate bounds an update line.
const MaxUpdate = 256

// Update is the state of a batch being signed, sent to a progress window
// after its request.
type Update struct {
	// Done is the number of documents with a result, Failed how many of
	// them failed; 0 <= Failed <= Done <= MaxFiles.
	Done   int `json:"done"`
	Failed int `json:"failed,omitempty"`
	// Finished is set on the last update: every document has a result.
	Finished bool `json:"finished,omitempty"`
}

func (u Update) validate() error {
	if u.Done < 0 || u.Done > MaxFiles || u.Failed < 0 || u.Failed > u.Done {
		return fmt.Errorf("%w: update done %d, failed %d", ErrMalformed, u.Done, u.Failed)
	}
	return nil
}

// WriteUpdate writes u as one JSON line.
func WriteUpdate(w io.Writer, u Update) error {
	if err := u.validate(); err != nil {
		return err
	}
	b, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("wire: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// ReadUpdate reads one update line from r. At the end of the input it
// returns io.EOF.
func ReadUpdate(r *bufio.Reader) (Update, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(line)+len(chunk) > MaxUpdate+1 {
			return Update{}, fmt.Errorf("%w: update over %d bytes", ErrTooLarge, MaxUpdate)
		}
		line = append(line, chunk...)
		if err == nil {
			break
		}
		if errors.Is(err, io.EOF) {
			if len(line) == 0 {
				return Update{}, io.EOF
			}
			return Update{}, fmt.Errorf("%w: update cut short", ErrMalformed)
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return Update{}, fmt.Errorf("wire: reading an update: %w", err)
		}
	}
	d := json.NewDecoder(bytes.NewReader(line))
	d.DisallowUnknownFields()
	var u Update
	if err := d.Decode(&u); err != nil {
		return Update{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if d.More() {
		return Update{}, fmt.Errorf("%w: data after the update", ErrMalformed)
	}
	return u, u.validate()
}
