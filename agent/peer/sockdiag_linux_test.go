package peer

import (
	"net"
	"net/netip"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// The exact lookup finds both ends of a real loopback connection with
// this process's uid, agrees with the socket table, and does not find
// the pair the wrong way round.
func TestDiagOwnerOfRealConnection(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	local := s.LocalAddr().(*net.TCPAddr).AddrPort()
	remote := s.RemoteAddr().(*net.TCPAddr).AddrPort()
	uid, found, err := diagOwner(unix.AF_INET, remote, local)
	if err != nil || !found || int(uid) != os.Getuid() {
		t.Fatalf("diagOwner = %d, %v, %v; want %d", uid, found, err, os.Getuid())
	}
	f, err := os.Open(procTCP)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tuid, tfound, err := findUID(f, remote, local)
	if err != nil || !tfound || tuid != uid {
		t.Fatalf("socket table: %d, %v, %v; the lookup said %d", tuid, tfound, err, uid)
	}
	swapped := netip.AddrPortFrom(remote.Addr(), local.Port()+1)
	if _, found, err := diagOwner(unix.AF_INET, swapped, local); err != nil || found {
		t.Fatalf("a socket that does not exist: found %v, %v", found, err)
	}
}
