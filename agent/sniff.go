package agent

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// sniffTimeout bounds the wait for a connection's first byte.
const sniffTimeout = 10 * time.Second

// tlsHandshakeByte is the first byte of a TLS record carrying a handshake
// (RFC 8446 section 5.1, ContentType handshake(22)); an HTTP request
// starts with a letter.
const tlsHandshakeByte = 0x16

// sniffListener serves ws:// and wss:// on one port: it reads each
// connection's first byte and wraps it in TLS when it starts a handshake.
// Sniffing runs in a goroutine per connection so that a silent client
// cannot hold up the others.
type sniffListener struct {
	net.Listener
	conf *tls.Config
	ch   chan net.Conn
	errc chan error
	done chan struct{}
	once sync.Once
}

func newSniffListener(ln net.Listener, conf *tls.Config) net.Listener {
	l := &sniffListener{
		Listener: ln, conf: conf,
		ch: make(chan net.Conn), errc: make(chan error, 1), done: make(chan struct{}),
	}
	go l.loop()
	return l
}

func (l *sniffListener) loop() {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			select {
			case l.errc <- err:
			case <-l.done:
			}
			return
		}
		go l.sniff(c)
	}
}

func (l *sniffListener) sniff(c net.Conn) {
	var first [1]byte
	c.SetReadDeadline(time.Now().Add(sniffTimeout))
	if _, err := io.ReadFull(c, first[:]); err != nil {
		c.Close()
		return
	}
	c.SetReadDeadline(time.Time{})
	var out net.Conn = &prefixConn{Conn: c, prefix: first[:]}
	if first[0] == tlsHandshakeByte {
		out = tls.Server(out, l.conf)
	}
	select {
	case l.ch <- out:
	case <-l.done:
		out.Close()
	}
}

// Accept returns the next sniffed connection.
func (l *sniffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case err := <-l.errc:
		return nil, err
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops accepting.
func (l *sniffListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// prefixConn gives back the bytes read while sniffing before the rest.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}
