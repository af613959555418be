package peer

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
)

// pair returns both ends of a real TCP connection: the dialled end and
// the accepted one.
func pair(t *testing.T, network, listenAddr, dialNet string) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen(network, listenAddr)
	if err != nil {
		t.Skipf("cannot listen on %s %s: %v", network, listenAddr, err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	host := "127.0.0.1"
	if dialNet == "tcp6" {
		host = "::1"
	}
	client, err = net.Dial(dialNet, net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// The owner of a real connection, read from /proc on both of its ends,
// is this test's user: over IPv4, over IPv6, and through a dual-stack
// listener whose accepted socket shows IPv4-mapped addresses in tcp6.
func TestOwnerOfRealConnections(t *testing.T) {
	me := strconv.Itoa(os.Getuid())
	for _, c := range []struct{ name, network, addr, dial string }{
		{"ipv4", "tcp4", "127.0.0.1:0", "tcp4"},
		{"ipv6", "tcp6", "[::1]:0", "tcp6"},
		{"mapped", "tcp", ":0", "tcp4"},
	} {
		t.Run(c.name, func(t *testing.T) {
			client, server := pair(t, c.network, c.addr, c.dial)
			// The server asks who dialled; the client asks who listens.
			for _, end := range []net.Conn{server, client} {
				u, err := Owner(end.LocalAddr(), end.RemoteAddr())
				if err != nil {
					t.Fatalf("Owner(%s, %s): %v", end.LocalAddr(), end.RemoteAddr(), err)
				}
				if u.ID != me {
					t.Fatalf("Owner(%s, %s) = %s, want uid %s", end.LocalAddr(), end.RemoteAddr(), u.ID, me)
				}
				if err := Check(end.LocalAddr(), end.RemoteAddr()); err != nil {
					t.Fatalf("Check: %v", err)
				}
			}
		})
	}
}

// The mapped case really is in tcp6 with ::ffff: addresses: the test
// above would pass vacuously if the kernel put it elsewhere.
func TestMappedConnectionIsInTCP6(t *testing.T) {
	client, server := pair(t, "tcp", ":0", "tcp4")
	f, err := os.Open(procTCP6)
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	// The accepted socket: local is the client's remote.
	l := client.RemoteAddr().(*net.TCPAddr).AddrPort()
	r := client.LocalAddr().(*net.TCPAddr).AddrPort()
	uid, found, err := findUID(f, l, r)
	if err != nil || !found {
		t.Fatalf("accepted socket %s of %s not in tcp6: %v %v", l, server.LocalAddr(), found, err)
	}
	if strconv.Itoa(int(uid)) != strconv.Itoa(os.Getuid()) {
		t.Fatalf("uid %d", uid)
	}
}

func TestOwnerOfClosedConnection(t *testing.T) {
	client, server := pair(t, "tcp4", "127.0.0.1:0", "tcp4")
	local, remote := server.LocalAddr(), server.RemoteAddr()
	client.Close()
	server.Close()
	// Both ends gone: nothing to trust.
	if _, err := Owner(local, remote); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Owner of a closed connection: %v, want ErrNotFound", err)
	}
}

func TestOwnerRefusesOtherAddresses(t *testing.T) {
	lo := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80}
	for _, a := range []net.Addr{
		&net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 80},
		&net.UnixAddr{Name: "/tmp/x", Net: "unix"},
		&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)},
		nil,
	} {
		if _, err := Owner(lo, a); !errors.Is(err, ErrNotLoopback) {
			t.Errorf("Owner(lo, %v): %v, want ErrNotLoopback", a, err)
		}
	}
}

// hexWord prints a 4-byte address group as the kernel does: the word in
// memory, read in this machine's byte order.
func hexWord(b []byte) string {
	return strings.ToUpper(strconv.FormatUint(uint64(0x100000000|uint64(binary.NativeEndian.Uint32(b))), 16)[1:])
}

func TestParseProcAddr(t *testing.T) {
	v4 := [4]byte{127, 0, 0, 1}
	v6 := netip.MustParseAddr("::1").As16()
	mapped := netip.MustParseAddr("::ffff:127.0.0.2").As16()
	six := func(b [16]byte) string {
		return hexWord(b[0:4]) + hexWord(b[4:8]) + hexWord(b[8:12]) + hexWord(b[12:16])
	}
	for in, want := range map[string]string{
		hexWord(v4[:]) + ":1F90": "127.0.0.1:8080",
		six(v6) + ":6B25":        "[::1]:27429",
		six(mapped) + ":0050":    "127.0.0.2:80",
	} {
		got, err := parseProcAddr(in)
		if err != nil || got.String() != want {
			t.Errorf("parseProcAddr(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	if binary.NativeEndian.Uint16([]byte{1, 0}) == 1 {
		// On this little-endian machine 127.0.0.1 reads 0100007F.
		if got, _ := parseProcAddr("0100007F:0016"); got.String() != "127.0.0.1:22" {
			t.Errorf("little-endian form: %v", got)
		}
	}
	for _, bad := range []string{"", "0100007F", "0100007F:16", "0100007:0016", "XX00007F:0016", "0100007F:ZZZZ"} {
		if _, err := parseProcAddr(bad); err == nil {
			t.Errorf("parseProcAddr(%q) accepted", bad)
		}
	}
}

func TestFindUIDSkipsTimeWaitAndReadsUID(t *testing.T) {
	table := "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
		"   0: 0100007F:6B25 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1 0 100 0 0 10 0\n" +
		"   1: 0100007F:D3A4 0100007F:6B25 06 00000000:00000000 03:00001000 00000000     0        0 0 3 0\n" +
		"   2: 0100007F:D3A4 0100007F:6B25 01 00000000:00000000 00:00000000 00000000  1234        0 2 1 0 20 4 30 10 -1\n"
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("table written for a little-endian machine")
	}
	l := netip.MustParseAddrPort("127.0.0.1:54180")
	r := netip.MustParseAddrPort("127.0.0.1:27429")
	uid, found, err := findUID(strings.NewReader(table), l, r)
	if err != nil || !found || uid != 1234 {
		t.Fatalf("findUID = %d, %v, %v; want 1234", uid, found, err)
	}
	if _, found, _ := findUID(strings.NewReader(table), r, l); found {
		t.Fatal("matched the reversed pair")
	}
	if _, _, err := findUID(strings.NewReader("header\n 0: 0100007F:D3A4 0100007F:6B25\n"), l, r); err == nil {
		t.Fatal("short line accepted")
	}
}

// The cost of one check, paid once per connection before its handshake.
func BenchmarkCheck(b *testing.B) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for b.Loop() {
		if err := Check(s.LocalAddr(), s.RemoteAddr()); err != nil {
			b.Fatal(err)
		}
	}
}
