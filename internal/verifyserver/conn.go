package verifyserver

import (
	"net"
	"sync"
	"time"
)

// maxHeld is the most a connection holds back before writing.
const maxHeld = 64 << 10

// HoldWrites returns a listener whose connections hold back what the
// HTTP server writes until it next reads (see heldConn). Serve the
// service's HTTPServer on it.
func HoldWrites(ln net.Listener) net.Listener { return heldListener{ln} }

// heldListener gives connections that hold back what is written to them
// until they are next read from, given a read deadline, half closed or
// closed (see heldConn).
type heldListener struct{ net.Listener }

func (l heldListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &heldConn{Conn: c}, nil
}

// heldConn holds back writes until the server next reads, sets a read
// deadline, half closes or closes the connection, so that an answer goes
// out in one write however many pieces the server writes it in.
//
// net/http writes an answer through a 4 KiB buffer, so an answer of the
// size of a validation report leaves in two writes, each a system call
// and a trip through the network stack; held back, it leaves in one. It
// suits a server that, having answered, reads the next request or closes
// the connection, as an HTTP/1.1 server does: net/http, after an answer,
// clears its background read by setting a read deadline and then reads.
// A write error shows on the next operation.
type heldConn struct {
	net.Conn
	mu   sync.Mutex
	held []byte
	err  error // of the last write of what was held
}

func (c *heldConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	if len(c.held)+len(p) > maxHeld {
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
		return c.Conn.Write(p)
	}
	c.held = append(c.held, p...)
	return len(p), nil
}

// flush writes what is held.
func (c *heldConn) flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.flushLocked()
}

func (c *heldConn) flushLocked() error {
	if c.err != nil || len(c.held) == 0 {
		return c.err
	}
	_, c.err = c.Conn.Write(c.held)
	c.held = c.held[:0]
	return c.err
}

func (c *heldConn) Read(p []byte) (int, error) {
	if err := c.flush(); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

func (c *heldConn) SetReadDeadline(t time.Time) error {
	c.flush()
	return c.Conn.SetReadDeadline(t)
}

func (c *heldConn) SetDeadline(t time.Time) error {
	c.flush()
	return c.Conn.SetDeadline(t)
}

// CloseWrite writes what is held and half closes the connection, where
// the connection can.
func (c *heldConn) CloseWrite() error {
	if err := c.flush(); err != nil {
		return err
	}
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c *heldConn) Close() error {
	c.flush()
	return c.Conn.Close()
}
