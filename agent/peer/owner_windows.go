package peer

import (
	"fmt"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/windows"
)

// On Windows the extended TCP table (iphlpapi's GetExtendedTcpTable,
// class TCP_TABLE_OWNER_PID_ALL) lists every TCP socket with the id of
// the process owning it; that process's access token names its user.
// Which row is the peer's is decided in tcptable.go.

var (
	iphlpapi                = windows.NewLazySystemDLL("iphlpapi.dll")
	procGetExtendedTcpTable = iphlpapi.NewProc("GetExtendedTcpTable")
)

const (
	tcpTableOwnerPIDAll = 5 // TCP_TABLE_OWNER_PID_ALL
	// tableTries bounds the grow-and-retry loop while sockets come and go.
	tableTries = 4
)

func self() (User, error) {
	return tokenUser(windows.GetCurrentProcessToken())
}

// owner finds the row of the peer's socket and the user of the process
// owning it.
func owner(local, remote netip.AddrPort) (User, error) {
	return tableOwner(local, remote, extendedTCPTable, processUser)
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
