package pkcs11

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// countingReader counts the reads made of it and gives at most max bytes
// a read.
type countingReader struct {
	r     io.Reader
	max   int
	reads int
}

func (c *countingReader) Read(b []byte) (int, error) {
	c.reads++
	if c.max > 0 && len(b) > c.max {
		b = b[:c.max]
	}
	return c.r.Read(b)
}

func testFrame(id uint32, kind byte, payload []byte) []byte {
	e := newEnc(id, kind)
	e.bytes(payload)
	return e.finish()
}

// TestFrameReaderReadsOncePerFrame: frames that have arrived together are
// taken with one read, not one for the length and one for the rest.
func TestFrameReaderReadsOncePerFrame(t *testing.T) {
	var in bytes.Buffer
	for i := range 3 {
		in.Write(testFrame(uint32(i+1), statusOK, bytes.Repeat([]byte{byte(i)}, 100)))
	}
	c := &countingReader{r: &in}
	f := newFrameReader(c)
	for i := range 3 {
		id, kind, body, _, err := f.next()
		if err != nil || id != uint32(i+1) || kind != statusOK {
			t.Fatalf("frame %d: id %d kind %d err %v", i, id, kind, err)
		}
		if v := (&dec{b: body}).bytes(); !bytes.Equal(v, bytes.Repeat([]byte{byte(i)}, 100)) {
			t.Fatalf("frame %d: body %x", i, v)
		}
	}
	if c.reads != 1 {
		t.Errorf("%d reads for 3 frames that came together", c.reads)
	}
	if _, _, _, _, err := f.next(); err != io.EOF {
		t.Errorf("after the last frame: %v", err)
	}
	if !bytes.Equal(f.buf, make([]byte, len(f.buf))) {
		t.Error("the reader's buffer still holds what it read")
	}
}

// TestFrameReaderPiecesAndLargeFrames: frames that come a few bytes at a
// time, and frames larger than the reader's buffer, arrive whole; a frame
// cut short is an unexpected end.
func TestFrameReaderPiecesAndLargeFrames(t *testing.T) {
	large := bytes.Repeat([]byte{0x42}, 3*frameBuffer)
	var in bytes.Buffer
	in.Write(testFrame(1, statusOK, []byte("small")))
	in.Write(testFrame(2, statusOK, large))
	in.Write(testFrame(3, statusOK, []byte("after")))
	cut := testFrame(4, statusOK, []byte("cut short"))
	in.Write(cut[:len(cut)-2])
	for _, max := range []int{0, 1, 7, 4096} {
		f := newFrameReader(&countingReader{r: bytes.NewReader(in.Bytes()), max: max})
		for _, want := range [][]byte{[]byte("small"), large, []byte("after")} {
			_, _, body, _, err := f.next()
			if err != nil {
				t.Fatalf("max %d: %v", max, err)
			}
			if v := (&dec{b: body}).bytes(); !bytes.Equal(v, want) {
				t.Fatalf("max %d: got %d bytes, want %d", max, len(v), len(want))
			}
		}
		if _, _, _, _, err := f.next(); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("max %d: a frame cut short: %v", max, err)
		}
	}
	bad := []byte{0, 0, 0, 2, 0, 0}
	if _, _, _, _, err := newFrameReader(bytes.NewReader(bad)).next(); !errors.Is(err, errWire) {
		t.Errorf("a frame too short for its header: %v", err)
	}
}
