package agent_test

import (
	"net"
	"strconv"
	"testing"

	"github.com/zavera/zavera/agent"
)

// A port another process holds on [::1] only is not half taken: the
// agent does not listen on 127.0.0.1 alone but reports the port busy, so
// that serve moves on to the next port of the range.
func TestListenLoopbackRefusesAPortHeldOnIPv6(t *testing.T) {
	v6, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	defer v6.Close()
	port := v6.Addr().(*net.TCPAddr).Port
	lb, err := agent.ListenLoopback(port)
	if err == nil {
		for _, ln := range lb.Listeners {
			ln.Close()
		}
		t.Fatalf("listened on %d beside another process's [::1]:%d", port, port)
	}
	if !agent.IsAddrInUse(err) {
		t.Fatalf("error %v is not recognised as a busy port", err)
	}
	// The port is left free on 127.0.0.1.
	v4, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("127.0.0.1:%d kept: %v", port, err)
	}
	v4.Close()
}

func TestListenLoopbackBothFamilies(t *testing.T) {
	lb, err := agent.ListenLoopback(0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, ln := range lb.Listeners {
			ln.Close()
		}
	}()
	if lb.Port == 0 || lb.Listeners[0].Addr().(*net.TCPAddr).Port != lb.Port {
		t.Fatalf("port %d, listeners %v", lb.Port, lb.Listeners)
	}
	if lb.NoIPv6 == nil && len(lb.Listeners) != 2 {
		t.Fatalf("IPv6 said present, listeners %v", lb.Listeners)
	}
	if lb.NoIPv6 != nil && len(lb.Listeners) != 1 {
		t.Fatalf("IPv6 said missing (%v), listeners %v", lb.NoIPv6, lb.Listeners)
	}
}
