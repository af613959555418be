package peer

import (
	"encoding/hex"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// Rows written out byte by byte as Windows lays out MIB_TCPROW_OWNER_PID
// (state, local address, local port, remote address, remote port, owning
// process; DWORDs) and MIB_TCP6ROW_OWNER_PID (local address, scope,
// port, remote address, scope, port, state, process). Addresses and ports
// are in network byte order, the port in the first two bytes of its
// DWORD; state and process id in the machine's (little-endian) order.
// The agent listens on 127.0.0.1:8080 (port 1f90), the client's end is
// 127.0.0.1:50000 (port c350).
const (
	rowListen = "02000000 7f000001 1f900000 00000000 00000000 64000000" // the agent (pid 100) listening
	rowAgent  = "05000000 7f000001 1f900000 7f000001 c3500000 64000000" // the agent's end of the connection
	rowClient = "05000000 7f000001 c3500000 7f000001 1f900000 d2040000" // the client's end, pid 1234
	rowWait   = "0b000000 7f000001 c3500000 7f000001 1f900000 00000000" // what a closed client left: TIME_WAIT, no process
	rowSwap   = "05000000 7f000001 50c30000 7f000001 901f0000 d2040000" // ports in the wrong byte order
	rowWine   = "05000000 7f000001 c3500000 7f000001 1f900000 00000000" // established, no process: Wine's row of a socket of another wineserver or a Linux process
	rowMapped = "00000000000000000000ffff7f000001 00000000 c3500000" +  // the client's dual-stack socket, pid 4321
		" 00000000000000000000ffff7f000001 00000000 1f900000 05000000 e1100000"
	rowV6 = "00000000000000000000000000000001 00000000 c3500000" + // an IPv6 client [::1]:50000 -> [::1]:8080, pid 77
		" 00000000000000000000000000000001 00000000 1f900000 05000000 4d000000"
)

// table is a MIB_TCPTABLE_OWNER_PID or MIB_TCP6TABLE_OWNER_PID: a count,
// then the rows.
func table(t *testing.T, count int, rows ...string) []byte {
	t.Helper()
	b := []byte{byte(count), byte(count >> 8), byte(count >> 16), byte(count >> 24)}
	for _, r := range rows {
		raw, err := hex.DecodeString(strings.ReplaceAll(r, " ", ""))
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, raw...)
	}
	return b
}

// fakeSystem answers tableOwner's questions from fixed tables and
// records them.
type fakeSystem struct {
	tables   map[uint32][]byte
	tableErr error
	users    map[uint32]string
	asked    []uint32 // the families whose table was read
	looked   []uint32 // the processes whose user was asked for
}

func (f *fakeSystem) table(af uint32) ([]byte, error) {
	f.asked = append(f.asked, af)
	if f.tableErr != nil {
		return nil, f.tableErr
	}
	if b, ok := f.tables[af]; ok {
		return b, nil
	}
	return []byte{0, 0, 0, 0}, nil
}

func (f *fakeSystem) user(pid uint32) (User, error) {
	f.looked = append(f.looked, pid)
	if sid, ok := f.users[pid]; ok {
		return User{ID: sid}, nil
	}
	return User{}, errors.Join(ErrLookup, errors.New("no such process"))
}

const (
	sidAgent = "S-1-5-21-1004336348-1177238915-682003330-1001"
	sidOther = "S-1-5-21-1004336348-1177238915-682003330-1002"
)

var (
	agentAddr  = netip.MustParseAddrPort("127.0.0.1:8080")
	clientAddr = netip.MustParseAddrPort("127.0.0.1:50000")
	agent6     = netip.MustParseAddrPort("[::1]:8080")
	client6    = netip.MustParseAddrPort("[::1]:50000")
)

func (f *fakeSystem) owner(local, remote netip.AddrPort) (User, error) {
	return tableOwner(local, remote, f.table, f.user)
}

func TestTableOwnerPicksTheClientsRow(t *testing.T) {
	f := &fakeSystem{
		tables: map[uint32][]byte{afInet: table(t, 3, rowListen, rowAgent, rowClient)},
		users:  map[uint32]string{100: sidAgent, 1234: sidOther},
	}
	u, err := f.owner(agentAddr, clientAddr)
	if err != nil {
		t.Fatal(err)
	}
	// Not the agent's own rows (same addresses, the other way round).
	if u.ID != sidOther || !slices.Equal(f.looked, []uint32{1234}) {
		t.Fatalf("owner = %q after asking for processes %v, want %s of process 1234", u.ID, f.looked, sidOther)
	}
	// Seen from the client, the agent's user owns the other end.
	f.looked = nil
	if u, err := f.owner(clientAddr, agentAddr); err != nil || u.ID != sidAgent || !slices.Equal(f.looked, []uint32{100}) {
		t.Fatalf("owner of the listening end = %q, %v after asking for %v; want %s of process 100", u.ID, err, f.looked, sidAgent)
	}
}

// A row with no process names no one: a closed socket in TIME_WAIT, and
// under Wine a socket of a process Wine's server does not know (a Linux
// program, another Unix user's Wine). With nothing else the peer is not
// found, and no process's user is asked for.
func TestTableOwnerRefusesRowsWithoutProcess(t *testing.T) {
	for name, row := range map[string]string{"time-wait": rowWait, "unknown process": rowWine} {
		t.Run(name, func(t *testing.T) {
			f := &fakeSystem{tables: map[uint32][]byte{afInet: table(t, 3, rowListen, rowAgent, row)}, users: map[uint32]string{100: sidAgent}}
			u, err := f.owner(agentAddr, clientAddr)
			if !errors.Is(err, ErrNotFound) {
				t.Fatalf("owner = %q, %v; want ErrNotFound", u.ID, err)
			}
			if len(f.looked) != 0 {
				t.Fatalf("asked for the user of processes %v", f.looked)
			}
			if !slices.Equal(f.asked, []uint32{afInet, afInet6}) {
				t.Fatalf("read the tables of families %v, want both", f.asked)
			}
		})
	}
}

// A new connection that reuses the ports of a closed one: the TIME_WAIT
// row comes first and is passed over.
func TestTableOwnerSkipsTimeWaitBeforeLiveRow(t *testing.T) {
	f := &fakeSystem{tables: map[uint32][]byte{afInet: table(t, 2, rowWait, rowClient)}, users: map[uint32]string{1234: sidAgent}}
	if u, err := f.owner(agentAddr, clientAddr); err != nil || u.ID != sidAgent {
		t.Fatalf("owner = %q, %v; want %s", u.ID, err, sidAgent)
	}
}

// Ports are in network byte order: the same numbers swapped are another
// socket.
func TestTableOwnerReadsPortsInNetworkOrder(t *testing.T) {
	f := &fakeSystem{tables: map[uint32][]byte{afInet: table(t, 1, rowSwap)}, users: map[uint32]string{1234: sidAgent}}
	if u, err := f.owner(agentAddr, clientAddr); !errors.Is(err, ErrNotFound) {
		t.Fatalf("owner = %q, %v; want ErrNotFound", u.ID, err)
	}
}

// An IPv4 client whose socket is dual-stack is in the IPv6 table with
// IPv4-mapped addresses; an IPv6 client is looked for in the IPv6 table
// only.
func TestTableOwnerFamilies(t *testing.T) {
	f := &fakeSystem{tables: map[uint32][]byte{afInet6: table(t, 1, rowMapped)}, users: map[uint32]string{4321: sidAgent}}
	if u, err := f.owner(agentAddr, clientAddr); err != nil || u.ID != sidAgent || !slices.Equal(f.asked, []uint32{afInet, afInet6}) {
		t.Fatalf("mapped: owner = %q, %v after reading families %v", u.ID, err, f.asked)
	}
	f = &fakeSystem{tables: map[uint32][]byte{afInet: table(t, 1, rowClient), afInet6: table(t, 1, rowV6)}, users: map[uint32]string{77: sidAgent, 1234: sidOther}}
	if u, err := f.owner(agent6, client6); err != nil || u.ID != sidAgent || !slices.Equal(f.asked, []uint32{afInet6}) {
		t.Fatalf("ipv6: owner = %q, %v after reading families %v", u.ID, err, f.asked)
	}
}

// A table shorter than its count says (or cut to a few bytes) is read as
// far as it goes, without a panic.
func TestTableOwnerShortTables(t *testing.T) {
	full := table(t, 3, rowListen, rowAgent, rowClient)
	for _, b := range [][]byte{nil, full[:3], full[:4+24+10], table(t, 9, rowListen)} {
		f := &fakeSystem{tables: map[uint32][]byte{afInet: b}, users: map[uint32]string{100: sidAgent, 1234: sidAgent}}
		if u, err := f.owner(agentAddr, clientAddr); !errors.Is(err, ErrNotFound) {
			t.Fatalf("table of %d bytes: owner = %q, %v; want ErrNotFound", len(b), u.ID, err)
		}
	}
	// The count bounds the rows read: a row past it is not the table's.
	f := &fakeSystem{tables: map[uint32][]byte{afInet: table(t, 2, rowListen, rowAgent, rowClient)}, users: map[uint32]string{1234: sidAgent}}
	if u, err := f.owner(agentAddr, clientAddr); !errors.Is(err, ErrNotFound) {
		t.Fatalf("row past the count: owner = %q, %v; want ErrNotFound", u.ID, err)
	}
}

// Failures to read a table or a process's token fail the look-up.
func TestTableOwnerLookupErrors(t *testing.T) {
	f := &fakeSystem{tableErr: errors.Join(ErrLookup, errors.New("GetExtendedTcpTable: access denied"))}
	if _, err := f.owner(agentAddr, clientAddr); !errors.Is(err, ErrLookup) {
		t.Fatalf("table error: %v, want ErrLookup", err)
	}
	f = &fakeSystem{tables: map[uint32][]byte{afInet: table(t, 1, rowClient)}}
	if _, err := f.owner(agentAddr, clientAddr); !errors.Is(err, ErrLookup) {
		t.Fatalf("token error: %v, want ErrLookup", err)
	}
}

// The verdict compares security identifiers whole: another user of the
// same machine differs in the last part only.
func TestSameUserComparesSIDs(t *testing.T) {
	me := User{ID: sidAgent}
	if err := sameUser(me, User{ID: sidAgent}); err != nil {
		t.Fatalf("same SID: %v", err)
	}
	for _, other := range []string{sidOther, sidAgent + "0", strings.TrimSuffix(sidAgent, "1"), "S-1-5-18"} {
		err := sameUser(me, User{ID: other})
		var fe *ForeignError
		if !errors.As(err, &fe) || !errors.Is(err, ErrForeign) || fe.Owner.ID != other || fe.Self.ID != sidAgent {
			t.Fatalf("SID %s: %v, want a ForeignError", other, err)
		}
	}
}
