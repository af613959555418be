package peer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// The kernel's socket diagnostics over netlink (sock_diag(7)) look up
// one TCP socket by its addresses and ports, where /proc/net/tcp lists
// every socket of the machine: with thousands of them (a flood of
// connections leaves as many in TIME_WAIT) reading the table costs
// milliseconds per connection, the exact lookup microseconds.

// Sizes and offsets of struct inet_diag_req_v2 and struct inet_diag_msg
// (linux/inet_diag.h).
const (
	nlmsgHeaderLen   = 16
	inetDiagReqLen   = 56
	inetDiagSockID   = 8  // offset of the socket id in the request
	inetDiagMsgUID   = 64 // offset of idiag_uid in the answer
	sockDiagByFam    = 20 // SOCK_DIAG_BY_FAMILY
	inetDiagNoCookie = 0xffffffff
	tcpTimeWait      = 6 // TCP_TIME_WAIT, in idiag_state
	tcpClose         = 7 // TCP_CLOSE
)

// errDiagUnavailable means the kernel could not answer the lookup at all;
// the caller reads the socket tables instead.
var errDiagUnavailable = errors.New("peer: socket diagnostics unavailable")

// diagOwner returns the uid of the TCP socket whose local address is
// sockLocal and remote address sockRemote, asked as family (AF_INET or
// AF_INET6). found is false when no such socket exists.
func diagOwner(family uint8, sockLocal, sockRemote netip.AddrPort) (uid uint32, found bool, err error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return 0, false, fmt.Errorf("%w: %w", errDiagUnavailable, err)
	}
	defer unix.Close(fd)
	req := make([]byte, nlmsgHeaderLen+inetDiagReqLen)
	ne := binary.NativeEndian
	ne.PutUint32(req[0:], uint32(len(req)))
	ne.PutUint16(req[4:], sockDiagByFam)
	ne.PutUint16(req[6:], unix.NLM_F_REQUEST)
	ne.PutUint32(req[8:], 1)
	r := req[nlmsgHeaderLen:]
	r[0], r[1] = family, unix.IPPROTO_TCP
	ne.PutUint32(r[4:], 0xffffffff) // any state
	id := r[inetDiagSockID:]
	binary.BigEndian.PutUint16(id[0:], sockLocal.Port())
	binary.BigEndian.PutUint16(id[2:], sockRemote.Port())
	putDiagAddr(id[4:20], family, sockLocal.Addr())
	putDiagAddr(id[20:36], family, sockRemote.Addr())
	ne.PutUint32(id[40:], inetDiagNoCookie)
	ne.PutUint32(id[44:], inetDiagNoCookie)
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return 0, false, fmt.Errorf("%w: %w", errDiagUnavailable, err)
	}
	buf := make([]byte, 4096)
	n, _, err := unix.Recvfrom(fd, buf, 0)
	if err != nil {
		return 0, false, fmt.Errorf("%w: %w", errDiagUnavailable, err)
	}
	msgs, err := syscall.ParseNetlinkMessage(buf[:n])
	if err != nil || len(msgs) == 0 {
		return 0, false, fmt.Errorf("%w: unreadable answer", errDiagUnavailable)
	}
	m := msgs[0]
	switch m.Header.Type {
	case unix.NLMSG_ERROR:
		if len(m.Data) < 4 {
			return 0, false, fmt.Errorf("%w: short error", errDiagUnavailable)
		}
		errno := unix.Errno(-int32(ne.Uint32(m.Data)))
		if errno == unix.ENOENT {
			return 0, false, nil
		}
		return 0, false, fmt.Errorf("%w: %w", errDiagUnavailable, os.NewSyscallError("sock_diag", errno))
	case sockDiagByFam:
		if len(m.Data) < inetDiagMsgUID+4 {
			return 0, false, fmt.Errorf("%w: short answer", errDiagUnavailable)
		}
		// A socket in TIME_WAIT or closed belongs to no process any more
		// (the kernel reports it with uid 0), as in the socket tables.
		if st := m.Data[1]; st == tcpTimeWait || st == tcpClose {
			return 0, false, nil
		}
		return ne.Uint32(m.Data[inetDiagMsgUID:]), true, nil
	}
	return 0, false, fmt.Errorf("%w: answer of type %d", errDiagUnavailable, m.Header.Type)
}

// putDiagAddr writes a in the socket id's form: four bytes for AF_INET,
// sixteen (an IPv4 address mapped) for AF_INET6.
func putDiagAddr(dst []byte, family uint8, a netip.Addr) {
	if family == unix.AF_INET {
		v4 := a.Unmap().As4()
		copy(dst, v4[:])
		return
	}
	v6 := a.As16() // an IPv4 address comes mapped
	copy(dst, v6[:])
}
