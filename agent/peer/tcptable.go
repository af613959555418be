package peer

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// The decision of the Windows look-up, kept apart from the system calls
// so that it is tested on every system: which rows of Windows' extended
// TCP tables (GetExtendedTcpTable, class TCP_TABLE_OWNER_PID_ALL) are the
// peer's, and which process owns them. owner_windows.go supplies the
// tables and the user of a process.

// Address families as Windows numbers them.
const (
	afInet  = 2  // AF_INET
	afInet6 = 23 // AF_INET6 (Windows' value, not Linux's 10)
)

const (
	// Row sizes of MIB_TCPROW_OWNER_PID and MIB_TCP6ROW_OWNER_PID.
	tcpRowSize  = 24
	tcp6RowSize = 56
)

// tableOwner finds the peer's socket in the tables and names the user of
// the process owning it. The peer's socket has our remote address as its
// local one and our local address as its remote one. An IPv4 peer may
// sit in the IPv6 table (a dual-stack socket shows IPv4-mapped
// addresses), so both tables are read for it; an IPv6 peer is in the
// IPv6 table only. table returns the raw table of one family; user is
// the user of a process. A socket listed without a process (process id
// 0: a closed socket's TIME_WAIT, or on Wine a process of another
// wineserver or outside Wine) names no one: with no other row it is
// ErrNotFound, and callers refuse the connection.
func tableOwner(local, remote netip.AddrPort, table func(af uint32) ([]byte, error), user func(pid uint32) (User, error)) (User, error) {
	families := []uint32{afInet6}
	if remote.Addr().Is4() {
		families = []uint32{afInet, afInet6}
	}
	for _, af := range families {
		t, err := table(af)
		if err != nil {
			return User{}, err
		}
		if pid, found := findPID(t, af, remote, local); found {
			return user(pid)
		}
	}
	return User{}, fmt.Errorf("%w: %s -> %s", ErrNotFound, remote, local)
}

// findPID reads a MIB_TCPTABLE_OWNER_PID or MIB_TCP6TABLE_OWNER_PID:
// dwNumEntries, then the rows, and returns the process owning the socket
// sockLocal–sockRemote. Addresses are in network byte order, the port in
// network byte order in the low 16 bits of its DWORD. Rows the buffer
// does not hold in full are not read, whatever the count says.
func findPID(table []byte, af uint32, sockLocal, sockRemote netip.AddrPort) (uint32, bool) {
	if len(table) < 4 {
		return 0, false
	}
	n := int(binary.LittleEndian.Uint32(table))
	rowSize, lAddr, lPort, rAddr, rPort, pidAt, addrLen := tcpRowSize, 4, 8, 12, 16, 20, 4
	if af == afInet6 {
		rowSize, lAddr, lPort, rAddr, rPort, pidAt, addrLen = tcp6RowSize, 0, 20, 24, 44, 52, 16
	}
	// Rows start after the count, aligned to 4 bytes.
	rows := table[4:]
	for i := 0; i < n && (i+1)*rowSize <= len(rows); i++ {
		row := rows[i*rowSize : (i+1)*rowSize]
		if rowAddr(row[lAddr:lAddr+addrLen], row[lPort:lPort+2]) != sockLocal {
			continue
		}
		if rowAddr(row[rAddr:rAddr+addrLen], row[rPort:rPort+2]) != sockRemote {
			continue
		}
		pid := binary.LittleEndian.Uint32(row[pidAt:])
		if pid == 0 {
			continue // no process: TIME_WAIT, or not one Wine knows
		}
		return pid, true
	}
	return 0, false
}

func rowAddr(addr, port []byte) netip.AddrPort {
	a, _ := netip.AddrFromSlice(addr)
	return netip.AddrPortFrom(a.Unmap(), binary.BigEndian.Uint16(port))
}
