package peer

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"testing"

	"golang.org/x/sys/windows"
)

// envDial makes this test binary a client: it dials the address, prints
// its end's address and holds the connection until its input ends.
const envDial = "ZAVERA_PEER_TEST_DIAL"

func TestMain(m *testing.M) {
	if addr := os.Getenv(envDial); addr != "" {
		c, err := net.Dial("tcp4", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Println(c.LocalAddr())
		io.Copy(io.Discard, os.Stdin)
		c.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestWindowsAddressFamilies(t *testing.T) {
	if afInet != windows.AF_INET || afInet6 != windows.AF_INET6 {
		t.Fatalf("afInet %d, afInet6 %d; Windows has %d and %d", afInet, afInet6, windows.AF_INET, windows.AF_INET6)
	}
}

// A client in another process of the same user: its row in the real TCP
// table names that process, whose token names this user.
func TestOwnerOfAnotherProcess(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), envDial+"="+ln.Addr().String())
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	if want := c.RemoteAddr().String() + "\n"; line != want && line != want[:len(want)-1]+"\r\n" {
		t.Fatalf("the client says it is %q, the connection comes from %q", line, want)
	}

	local := c.LocalAddr().(*net.TCPAddr).AddrPort()
	remote := c.RemoteAddr().(*net.TCPAddr).AddrPort()
	var asked []uint32
	u, err := tableOwner(local, remote, extendedTCPTable, func(pid uint32) (User, error) {
		asked = append(asked, pid)
		return processUser(pid)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(asked, []uint32{uint32(cmd.Process.Pid)}) {
		t.Fatalf("the table names processes %v, the client is %d", asked, cmd.Process.Pid)
	}
	me, err := Self()
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != me.ID || len(me.ID) < 4 || me.ID[:4] != "S-1-" {
		t.Fatalf("owner %q, this process's user %q: want the same SID", u.ID, me.ID)
	}
	if err := Check(c.LocalAddr(), c.RemoteAddr()); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

// A connection within this process, looked up as the agent looks up a
// client: the dialled socket's row names this process. (The other way
// round, a client asking who listens, is not tried: under Wine the
// accepted socket is held by the wineserver, and its row names no
// process.)
func TestOwnerOfOwnConnection(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	// A byte each way first, as a client's request and its answer go.
	exchange(t, client, server)
	exchange(t, server, client)
	if err := Check(server.LocalAddr(), server.RemoteAddr()); err != nil {
		t.Fatalf("Check(%s, %s): %v", server.LocalAddr(), server.RemoteAddr(), err)
	}
	// No socket of this machine has these ports: nobody owns it.
	if _, err := Owner(server.LocalAddr(), net.TCPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:1"))); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Owner of a connection that does not exist: %v, want ErrNotFound", err)
	}
}

// exchange sends a byte from one end and reads it at the other.
func exchange(t *testing.T, from, to net.Conn) {
	t.Helper()
	if _, err := from.Write([]byte{1}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(to, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
}
