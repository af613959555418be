package peer

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/windows"
)

// On Windows the extended TCP table (iphlpapi's GetExtendedTcpTable,
// class TCP_TABLE_OWNER_PID_ALL) lists every TCP socket with the id of
// the process owning it; that process's access token names its user.

var (
	iphlpapi                = windows.NewLazySystemDLL("iphlpapi.dll")
	procGetExtendedTcpTable = iphlpapi.NewProc("GetExtendedTcpTable")
)

const (
	tcpTableOwnerPIDAll = 5 // TCP_TABLE_OWNER_PID_ALL
	// Row sizes of MIB_TCPROW_OWNER_PID and MIB_TCP6ROW_OWNER_PID.
	tcpRowSize  = 24
	tcp6RowSize = 56
	// tableTries bounds the grow-and-retry loop while sockets come and go.
	tableTries = 4
)

func self() (User, error) {
	return tokenUser(windows.GetCurrentProcessToken())
}

// owner finds the row of the peer's socket (its local address is our
// remote one) and the user of the process owning it.
func owner(local, remote netip.AddrPort) (User, error) {
	families := []uint32{windows.AF_INET6}
	if remote.Addr().Is4() {
		families = []uint32{windows.AF_INET, windows.AF_INET6}
	}
	for _, af := range families {
		table, err := extendedTCPTable(af)
		if err != nil {
			return User{}, err
		}
		pid, found := findPID(table, af, remote, local)
		if found {
			return processUser(pid)
		}
	}
	return User{}, fmt.Errorf("%w: %s -> %s", ErrNotFound, remote, local)
}

// extendedTCPTable returns the raw table of one address family.
func extendedTCPTable(af uint32) ([]byte, error) {
	size := uint32(16 << 10)
	for range tableTries {
		buf := make([]byte, size)
		r, _, _ := procGetExtendedTcpTable.Call(uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&size)),
			0, uintptr(af), tcpTableOwnerPIDAll, 0)
		switch windows.Errno(r) {
		case 0:
			return buf[:size], nil
		case windows.ERROR_INSUFFICIENT_BUFFER:
			size += size / 4 // room for sockets opened meanwhile
			continue
		default:
			return nil, fmt.Errorf("%w: GetExtendedTcpTable: %w", ErrLookup, windows.Errno(r))
		}
	}
	return nil, fmt.Errorf("%w: GetExtendedTcpTable: the table kept growing", ErrLookup)
}

// findPID reads a MIB_TCPTABLE_OWNER_PID or MIB_TCP6TABLE_OWNER_PID:
// dwNumEntries, then the rows. Addresses are in network byte order, the
// port in network byte order in the low 16 bits of its DWORD.
func findPID(table []byte, af uint32, sockLocal, sockRemote netip.AddrPort) (uint32, bool) {
	if len(table) < 4 {
		return 0, false
	}
	n := int(binary.LittleEndian.Uint32(table))
	rowSize, lAddr, lPort, rAddr, rPort, pidAt, addrLen := tcpRowSize, 4, 8, 12, 16, 20, 4
	if af == windows.AF_INET6 {
		rowSize, lAddr, lPort, rAddr, rPort, pidAt, addrLen = tcp6RowSize, 0, 20, 24, 44, 52, 16
	}
	// Rows start after the count, aligned to 4 bytes.
	rows := table[4:]
	for i := 0; i < n && (i+1)*rowSize <= len(rows); i++ {
		row := rows[i*rowSize : (i+1)*rowSize]
		l := rowAddr(row[lAddr:lAddr+addrLen], row[lPort:lPort+2])
		if l != sockLocal {
			continue
		}
		if rowAddr(row[rAddr:rAddr+addrLen], row[rPort:rPort+2]) != sockRemote {
			continue
		}
		pid := binary.LittleEndian.Uint32(row[pidAt:])
		if pid == 0 {
			continue // TIME_WAIT: what is left of a closed socket
		}
		return pid, true
	}
	return 0, false
}

func rowAddr(addr, port []byte) netip.AddrPort {
	a, _ := netip.AddrFromSlice(addr)
	return netip.AddrPortFrom(a.Unmap(), binary.BigEndian.Uint16(port))
}

// processUser is the user of process pid's access token.
func processUser(pid uint32) (User, error) {
	if pid == windows.GetCurrentProcessId() {
		return self()
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		// A process of another user under a stricter policy may not
		// even be opened: it is not ours to trust either way.
		return User{}, fmt.Errorf("%w: process %d: %w", ErrLookup, pid, err)
	}
	defer windows.CloseHandle(h)
	var tok windows.Token
	if err := windows.OpenProcessToken(h, windows.TOKEN_QUERY, &tok); err != nil {
		return User{}, fmt.Errorf("%w: token of process %d: %w", ErrLookup, pid, err)
	}
	defer tok.Close()
	return tokenUser(tok)
}

func tokenUser(tok windows.Token) (User, error) {
	tu, err := tok.GetTokenUser()
	if err != nil {
		return User{}, fmt.Errorf("%w: token user: %w", ErrLookup, err)
	}
	return User{ID: tu.User.Sid.String()}, nil
}
