package agent

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
)

// PortRange is how many consecutive ports, from the configured one
// (DefaultPort unless an administrator set another), the agents of one
// computer share: on a computer where several people are logged in at
// once, each user's agent listens on the first port of the range that no
// other process holds, and pages try the ports in order until an agent
// that serves their user answers.
const PortRange = 8

// Loopback is the agent's listeners on one port: 127.0.0.1 always, [::1]
// unless NoIPv6 says why not.
type Loopback struct {
	Port      int
	Listeners []net.Listener
	// NoIPv6 is why there is no [::1] listener (no IPv6 on this
	// computer, IPv6 disabled); nil when there is one. Pages that
	// connect to [::1] or to a localhost that resolves to it first do
	// not reach the agent: callers warn about it.
	NoIPv6 error
}

// ListenLoopback listens on 127.0.0.1 and [::1] on port (0 picks a free
// port, the same for both). A port held on either address is an error
// that IsAddrInUse recognises; a missing IPv6 loopback is not an error
// but is reported in NoIPv6.
func ListenLoopback(port int) (*Loopback, error) {
	const pickTries = 8
	for try := 1; ; try++ {
		v4, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			return nil, fmt.Errorf("agent: listen on 127.0.0.1:%d: %w", port, err)
		}
		p := v4.Addr().(*net.TCPAddr).Port
		v6, err := net.Listen("tcp6", net.JoinHostPort("::1", strconv.Itoa(p)))
		switch {
		case err == nil:
			return &Loopback{Port: p, Listeners: []net.Listener{v4, v6}}, nil
		case IsAddrInUse(err):
			v4.Close()
			if port == 0 && try < pickTries {
				continue // free on IPv4 only: pick another
			}
			return nil, fmt.Errorf("agent: listen on [::1]:%d: %w", p, err)
		default:
			return &Loopback{Port: p, Listeners: []net.Listener{v4},
				NoIPv6: fmt.Errorf("agent: listen on [::1]:%d: %w", p, err)}, nil
		}
	}
}

// wsaeaddrinuse is Windows' "address already in use" (WSAEADDRINUSE).
const wsaeaddrinuse = 10048

// IsAddrInUse reports whether err is a listen on a port that another
// socket holds.
func IsAddrInUse(err error) bool {
	var errno syscall.Errno
	return errors.Is(err, syscall.EADDRINUSE) || (errors.As(err, &errno) && errno == wsaeaddrinuse)
}
