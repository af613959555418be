package pkcs11

import (
	"encoding/binary"
	"io"
)

// frameReader reads frames from the module host's channel with one read
// per frame (or fewer: a read takes whatever has arrived), instead of one
// for the length and one for the rest. Each frame is copied out into a
// buffer of its own, which the caller keeps, and the bytes it took in the
// reader's buffer are zeroed at once: a PIN or a private key read with a
// frame is not left behind there.
//
// A frameReader is used by one goroutine at a time; the module host hands
// it from one reading goroutine to the next (see hostServer.read), which
// orders the uses.
type frameReader struct {
	r          io.Reader
	buf        []byte
	start, end int // buf[start:end] is read and not yet taken
}

// frameBuffer is the size of a frameReader's buffer: a signing request or
// reply takes a few hundred bytes. Larger frames are read straight into
// their own buffer.
const frameBuffer = 16 << 10

func newFrameReader(r io.Reader) *frameReader {
	return &frameReader{r: r, buf: make([]byte, frameBuffer)}
}

// fill reads until at least n bytes are buffered; n is at most
// len(f.buf).
func (f *frameReader) fill(n int) error {
	if f.end-f.start >= n {
		return nil
	}
	if len(f.buf)-f.start < n {
		// Move what is left to the front, and zero where it was.
		k := copy(f.buf, f.buf[f.start:f.end])
		clear(f.buf[max(k, f.start):f.end])
		f.start, f.end = 0, k
	}
	for f.end-f.start < n {
		m, err := f.r.Read(f.buf[f.end:])
		f.end += m
		if err != nil {
			if f.end-f.start >= n {
				return nil
			}
			if err == io.EOF && f.end > f.start {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// next reads one frame and returns its id, its kind byte, its body and
// the frame's own buffer (to wipe when it carried a secret).
func (f *frameReader) next() (id uint32, kind byte, body, frame []byte, err error) {
	if err = f.fill(4); err != nil {
		return 0, 0, nil, nil, err
	}
	n := int(binary.BigEndian.Uint32(f.buf[f.start:]))
	if n < 5 || n > maxFrame {
		return 0, 0, nil, nil, errWire
	}
	clear(f.buf[f.start : f.start+4])
	f.start += 4
	frame = make([]byte, n)
	if n <= len(f.buf) {
		if err = f.fill(n); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, 0, nil, nil, err
		}
		copy(frame, f.buf[f.start:f.start+n])
		clear(f.buf[f.start : f.start+n])
		f.start += n
	} else {
		k := copy(frame, f.buf[f.start:f.end])
		clear(f.buf[f.start:f.end])
		f.start, f.end = 0, 0
		if _, err = io.ReadFull(f.r, frame[k:]); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, 0, nil, nil, err
		}
	}
	if f.start == f.end {
		f.start, f.end = 0, 0
	}
	return binary.BigEndian.Uint32(frame), frame[4], frame[5:], frame, nil
}
