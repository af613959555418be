package agent

import (
	"bufio"
	"encoding/binary"
	"net"
	"net/http"
)

// frameWatch is a websocket's connection as gorilla reads it, noting the
// header of each data frame that passes, so that the read loop can size a
// message's buffer once, from the length its frame announces, instead of
// growing it (browsers send a message as one frame). Gorilla reads ahead
// through its buffer, so the headers wait in a queue until the read loop
// takes those of the message it reads.
//
// What it notes is a hint: the read loop still counts what arrives and
// grows the buffer if the hint was short, and the hint is dropped for good
// if it ever disagrees with gorilla. Read is called by gorilla from the
// read loop only, and so are take and finish.
type frameWatch struct {
	net.Conn

	hdr    [14]byte
	n      int    // header bytes collected
	skip   uint64 // payload bytes of the current frame still to pass
	queue  []frameHeader
	open   bool // the message read has frames still to take
	broken bool
}

// frameHeader is what a data frame's header says.
type frameHeader struct {
	op   byte
	fin  bool
	size uint64
}

// maxQueuedFrames bounds the queue: gorilla's read-ahead buffer (4 KiB)
// holds fewer frame headers than this.
const maxQueuedFrames = 1024

func (f *frameWatch) Read(p []byte) (int, error) {
	n, err := f.Conn.Read(p)
	if !f.broken {
		f.observe(p[:n])
	}
	return n, err
}

// observe follows the frames through b (RFC 6455 section 5.2).
func (f *frameWatch) observe(b []byte) {
	for len(b) > 0 {
		if f.skip > 0 {
			k := min(f.skip, uint64(len(b)))
			f.skip -= k
			b = b[k:]
			continue
		}
		f.hdr[f.n] = b[0]
		f.n++
		b = b[1:]
		if f.n < 2 {
			continue
		}
		need := 2
		switch f.hdr[1] & 0x7f {
		case 126:
			need += 2
		case 127:
			need += 8
		}
		if f.hdr[1]&0x80 != 0 {
			need += 4
		}
		if f.n < need {
			continue
		}
		size := uint64(f.hdr[1] & 0x7f)
		switch size {
		case 126:
			size = uint64(binary.BigEndian.Uint16(f.hdr[2:4]))
		case 127:
			size = binary.BigEndian.Uint64(f.hdr[2:10])
		}
		if op := f.hdr[0] & 0x0f; op <= 2 {
			if len(f.queue) >= maxQueuedFrames {
				f.drop()
				return
			}
			f.queue = append(f.queue, frameHeader{op: op, fin: f.hdr[0]&0x80 != 0, size: size})
		}
		f.skip, f.n = size, 0
	}
}

func (f *frameWatch) drop() {
	f.broken, f.queue = true, nil
}

// take returns the length the first frame of the message just started
// announces, and whether the frame is the whole message; ok is false
// when there is no hint.
func (f *frameWatch) take() (size uint64, whole, ok bool) {
	if f == nil || f.broken || f.open {
		return 0, false, false
	}
	if len(f.queue) == 0 || f.queue[0].op == 0 {
		f.drop()
		return 0, false, false
	}
	h := f.queue[0]
	f.queue = f.queue[1:]
	f.open = !h.fin
	return h.size, h.fin, true
}

// finish takes the headers of the rest of the message just read.
func (f *frameWatch) finish() {
	if f == nil || f.broken {
		return
	}
	for f.open {
		if len(f.queue) == 0 || f.queue[0].op != 0 {
			f.drop()
			return
		}
		f.open = !f.queue[0].fin
		f.queue = f.queue[1:]
	}
}

// watchingWriter hands gorilla the hijacked connection wrapped in fw.
type watchingWriter struct {
	http.ResponseWriter
	fw *frameWatch
}

func (w watchingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.fw.Conn = nc
	return w.fw, brw, nil
}
