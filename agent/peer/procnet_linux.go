package peer

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// The socket tables: one line per socket, after a header line.
//
//	sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid ...
//	 0: 0100007F:6B25 0100007F:D3A4 01 00000000:00000000 00:00000000 00000000  1000 ...
//
// An address is hexadecimal: IPv4 as one 32-bit word, IPv6 as four, each
// word printed as the number the kernel holds in memory, so in this
// machine's byte order; the port is a plain hexadecimal number. A socket
// of the IPv6 family connected over IPv4 shows ::ffff:a.b.c.d addresses
// in tcp6.
const (
	procTCP  = "/proc/net/tcp"
	procTCP6 = "/proc/net/tcp6"
)

// Columns of a table line, counted from 0.
const (
	colLocal  = 1
	colRemote = 2
	colState  = 3
	colUID    = 7
)

// stateTimeWait is TCP_TIME_WAIT: what is left of a closed socket, which
// the kernel lists with uid 0.
const stateTimeWait = "06"

func self() (User, error) { return User{ID: strconv.Itoa(os.Getuid())}, nil }

// owner looks for the peer's socket: the line whose local address is our
// remote one and whose remote address is our local one.
func owner(local, remote netip.AddrPort) (User, error) {
	// The exact lookup first; the socket tables where the kernel cannot
	// answer it.
	families := []uint8{unix.AF_INET6}
	if remote.Addr().Is4() {
		families = []uint8{unix.AF_INET, unix.AF_INET6}
	}
	answered := true
	for _, fam := range families {
		uid, found, err := diagOwner(fam, remote, local)
		if err != nil {
			answered = false
			break
		}
		if found {
			return User{ID: strconv.FormatUint(uint64(uid), 10)}, nil
		}
	}
	if answered {
		return User{}, fmt.Errorf("%w: %s -> %s", ErrNotFound, remote, local)
	}
	tables := []string{procTCP6}
	if remote.Addr().Is4() {
		// A socket of either family may have connected over IPv4.
		tables = []string{procTCP, procTCP6}
	}
	for _, path := range tables {
		f, err := os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // no IPv6 in this kernel
		}
		if err != nil {
			return User{}, fmt.Errorf("%w: %w", ErrLookup, err)
		}
		uid, found, err := findUID(f, remote, local)
		f.Close()
		if err != nil {
			return User{}, fmt.Errorf("%w: %s: %w", ErrLookup, path, err)
		}
		if found {
			return User{ID: strconv.FormatUint(uint64(uid), 10)}, nil
		}
	}
	return User{}, fmt.Errorf("%w: %s -> %s", ErrNotFound, remote, local)
}

// findUID reads a socket table and returns the uid of the socket whose
// local address is sockLocal and remote address sockRemote, IPv4-mapped
// addresses compared as IPv4. Sockets in TIME_WAIT are skipped.
func findUID(r io.Reader, sockLocal, sockRemote netip.AddrPort) (uid uint32, found bool, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 512), 4096)
	// Only lines that carry the socket's port are read field by field:
	// with thousands of sockets (a flood of connections) splitting every
	// line would cost milliseconds per connection.
	port := []byte(fmt.Sprintf(":%04X ", sockLocal.Port()))
	first := true
	for sc.Scan() {
		if first {
			first = false
			continue // the header
		}
		if !bytes.Contains(sc.Bytes(), port) {
			continue
		}
		f := strings.Fields(sc.Text())
		if len(f) <= colUID {
			return 0, false, fmt.Errorf("short line %q", sc.Text())
		}
		l, err := parseProcAddr(f[colLocal])
		if err != nil {
			return 0, false, err
		}
		if l != sockLocal {
			continue
		}
		rm, err := parseProcAddr(f[colRemote])
		if err != nil {
			return 0, false, err
		}
		if rm != sockRemote || f[colState] == stateTimeWait {
			continue
		}
		u, err := strconv.ParseUint(f[colUID], 10, 32)
		if err != nil {
			return 0, false, fmt.Errorf("uid %q: %w", f[colUID], err)
		}
		return uint32(u), true, nil
	}
	return 0, false, sc.Err()
}

// parseProcAddr reads "0100007F:1F90" or the 32-digit IPv6 form; a
// mapped IPv4 address comes back as IPv4.
func parseProcAddr(s string) (netip.AddrPort, error) {
	hexAddr, hexPort, ok := strings.Cut(s, ":")
	if !ok || len(hexPort) != 4 || (len(hexAddr) != 8 && len(hexAddr) != 32) {
		return netip.AddrPort{}, fmt.Errorf("address %q: not in the socket table's form", s)
	}
	port, err := strconv.ParseUint(hexPort, 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("address %q: port: %w", s, err)
	}
	var b [16]byte
	for i := 0; i < len(hexAddr)/8; i++ {
		w, err := strconv.ParseUint(hexAddr[8*i:8*i+8], 16, 32)
		if err != nil {
			return netip.AddrPort{}, fmt.Errorf("address %q: %w", s, err)
		}
		binary.NativeEndian.PutUint32(b[4*i:], uint32(w))
	}
	var a netip.Addr
	if len(hexAddr) == 8 {
		a = netip.AddrFrom4([4]byte(b[:4]))
	} else {
		a = netip.AddrFrom16(b).Unmap()
	}
	return netip.AddrPortFrom(a, uint16(port)), nil
}
