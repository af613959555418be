// Package localchan is the framing of the agent's local channel for page
// sessions: a Unix socket in the user's state folder (PagesSocket) over
// which the native messaging host relays the pages that the browser
// extension serves. Pages cannot reach it; only the agent's own user can
// open it (the socket is 0600 in a 0700 folder, and on Linux the agent
// also checks the peer's uid).
//
// Each connection to the socket is one page session. Both ends send
// frames: one byte of kind, a 4-byte big-endian payload length, the
// payload. The host's first frame is KindOpen with the page's origin, as
// the browser reported it; then KindMessage frames each carry one
// JSON-RPC 2.0 message text (docs/protocol.md) in either direction.
// KindClose ends the session: from the agent its payload is a 2-byte
// big-endian status (the websocket close codes of docs/protocol.md) and a
// reason; from the host it means the page went away (an empty payload).
//
// A Conn's reads and writes may run in two goroutines at once; writes
// are serialised.
package localchan

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"
)

// PagesSocket is the socket's name in the state folder.
const PagesSocket = "pages.sock"

// Frame kinds.
const (
	KindOpen    byte = 'O'
	KindMessage byte = 'M'
	KindClose   byte = 'C'
)

// MaxOriginBytes bounds the payload of an open frame.
const MaxOriginBytes = 2048

// HeaderSize is the size of a frame header.
const HeaderSize = 5

// ErrFrame is a frame that breaks the rules of the channel.
var ErrFrame = errors.New("localchan: bad frame")

// Conn is one page session on the channel.
type Conn struct {
	net.Conn
	wmu sync.Mutex
	hdr [HeaderSize]byte
}

// New wraps a connection of the channel.
func New(c net.Conn) *Conn { return &Conn{Conn: c} }

// ReadHeader reads a frame's header: its kind and payload length.
func (c *Conn) ReadHeader() (kind byte, size uint32, err error) {
	if _, err := io.ReadFull(c.Conn, c.hdr[:]); err != nil {
		return 0, 0, err
	}
	return c.hdr[0], binary.BigEndian.Uint32(c.hdr[1:]), nil
}

// WriteFrame sends one frame; the deadline bounds the write.
func (c *Conn) WriteFrame(kind byte, payload []byte, deadline time.Time) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	var hdr [HeaderSize]byte
	hdr[0] = kind
	binary.BigEndian.PutUint32(hdr[1:], uint32(len(payload)))
	c.Conn.SetWriteDeadline(deadline)
	// One write (writev on a socket) for the header and the payload, so
	// that the reader wakes once per frame, not twice.
	bufs := net.Buffers{hdr[:], payload}
	_, err := bufs.WriteTo(c.Conn)
	return err
}

// WriteClose sends a close frame with a status and a reason.
func (c *Conn) WriteClose(code int, reason string, deadline time.Time) error {
	p := make([]byte, 2, 2+len(reason))
	binary.BigEndian.PutUint16(p, uint16(code))
	return c.WriteFrame(KindClose, append(p, reason...), deadline)
}

// ParseClose splits a close frame's payload; an empty one is status 1000.
func ParseClose(p []byte) (code int, reason string) {
	if len(p) < 2 {
		return 1000, ""
	}
	return int(binary.BigEndian.Uint16(p)), string(p[2:])
}

// ReadOpen reads the first frame of a session and returns its origin.
func (c *Conn) ReadOpen() (string, error) {
	kind, size, err := c.ReadHeader()
	if err != nil {
		return "", err
	}
	if kind != KindOpen || size == 0 || size > MaxOriginBytes {
		return "", fmt.Errorf("%w: kind %q of %d bytes where an open frame was due", ErrFrame, kind, size)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(c.Conn, b); err != nil {
		return "", err
	}
	return string(b), nil
}

// Listen opens the channel at path: the folder is made 0700 if missing,
// a socket left by an agent that died is replaced, and one that answers
// is left alone with an error. The socket is made 0600 whatever the umask.
func Listen(path string) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if _, err := os.Lstat(path); err == nil {
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("%s: another agent answers there", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	// On Windows the folder's ACL guards the socket; its mode bits mean
	// nothing there.
	if runtime.GOOS != "windows" {
		if err := os.Chmod(path, 0o600); err != nil {
			ln.Close()
			return nil, err
		}
	}
	return ln, nil
}

// Dial opens a page session for origin on the channel at path.
func Dial(path, origin string, timeout time.Duration) (*Conn, error) {
	if len(origin) == 0 || len(origin) > MaxOriginBytes {
		return nil, fmt.Errorf("%w: origin of %d bytes", ErrFrame, len(origin))
	}
	nc, err := net.DialTimeout("unix", path, timeout)
	if err != nil {
		return nil, err
	}
	c := New(nc)
	if err := c.WriteFrame(KindOpen, []byte(origin), time.Now().Add(timeout)); err != nil {
		nc.Close()
		return nil, err
	}
	c.Conn.SetWriteDeadline(time.Time{})
	return c, nil
}
