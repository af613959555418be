package nativehost

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Native messaging frames: a 4-byte length in the machine's byte order,
// then that many bytes of UTF-8 JSON.

// MaxInFrame bounds a frame from the browser: Chromium sends at most
// 64 MiB.
const MaxInFrame = 64 << 20

// MaxOutFrame is the largest frame the host sends: Chromium refuses
// frames over 1 MiB from a host. A message whose envelope would be larger
// goes in parts (see writeParts).
const MaxOutFrame = 1 << 20

// partData is how much of a message's text one part carries: room is left
// for the envelope and for the JSON escapes of the text (a quote or a
// backslash doubles); a piece whose escapes still make it too large is
// cut again.
const partData = (MaxOutFrame - 512) / 2

// ErrFrame is a frame from the browser that breaks the rules.
var ErrFrame = errors.New("nativehost: bad frame from the browser")

// readFrame reads one frame from the browser, into buf when it has room.
func readFrame(r io.Reader, buf []byte) ([]byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	n := binary.NativeEndian.Uint32(h[:])
	if n > MaxInFrame {
		return nil, fmt.Errorf("%w: %d bytes", ErrFrame, n)
	}
	b := buf[:0]
	if cap(b) < int(n) {
		b = make([]byte, n)
	}
	b = b[:n]
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	return b, nil
}

// writeFrame writes one frame, which must fit MaxOutFrame.
func writeFrame(w io.Writer, b []byte) error {
	if len(b) > MaxOutFrame {
		return fmt.Errorf("nativehost: a frame of %d bytes", len(b))
	}
	buf := make([]byte, 4, 4+len(b))
	binary.NativeEndian.PutUint32(buf, uint32(len(b)))
	_, err := w.Write(append(buf, b...))
	return err
}

// writeMessage sends a message of the agent to the extension for a
// session: {"session","message"} when it fits one frame, else parts
// {"session","part":i,"parts":n,"data":"<piece of the message text>"},
// i from 0, whose data joined in order is the message's JSON text.
func writeMessage(w io.Writer, session string, msg []byte) error {
	sess, _ := json.Marshal(session)
	if len(msg)+len(sess)+32 <= MaxOutFrame {
		b := make([]byte, 0, len(msg)+len(sess)+32)
		b = append(b, `{"session":`...)
		b = append(b, sess...)
		b = append(b, `,"message":`...)
		b = append(b, msg...)
		b = append(b, '}')
		return writeFrame(w, b)
	}
	var parts [][]byte
	for _, p := range splitText(msg, partData) {
		parts = append(parts, encodePiece(p)...)
	}
	for i, data := range parts {
		b := make([]byte, 0, len(data)+len(sess)+64)
		b = append(b, `{"session":`...)
		b = append(b, sess...)
		b = append(b, `,"part":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"parts":`...)
		b = strconv.AppendInt(b, int64(len(parts)), 10)
		b = append(b, `,"data":`...)
		b = append(b, data...)
		b = append(b, '}')
		if err := writeFrame(w, b); err != nil {
			return err
		}
	}
	return nil
}

// encodePiece encodes a piece of text as a JSON string, in more pieces
// when its escapes make it too large for a part.
func encodePiece(p []byte) [][]byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(string(p))
	data := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if len(data) <= MaxOutFrame-512 || len(p) < 16 {
		return [][]byte{data}
	}
	half := splitText(p, len(p)/2)
	var out [][]byte
	for _, h := range half {
		out = append(out, encodePiece(h)...)
	}
	return out
}

// splitText cuts UTF-8 text into pieces of at most n bytes, at character
// boundaries.
func splitText(b []byte, n int) [][]byte {
	var out [][]byte
	for len(b) > n {
		cut := n
		for cut > 0 && b[cut]&0xC0 == 0x80 {
			cut--
		}
		out = append(out, b[:cut])
		b = b[cut:]
	}
	return append(out, b)
}
