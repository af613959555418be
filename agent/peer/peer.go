// Package peer finds which user owns the process at the other end of a
// loopback TCP connection, so that the agent serves only its own user.
//
// A loopback socket carries no credentials, but the operating system
// knows the owner of both ends: on Linux the kernel's socket diagnostics
// (sock_diag over netlink) look one socket up by its addresses and ports
// and give its owner's uid, and the socket tables under /proc/net (tcp
// and tcp6), which list every socket, serve where that lookup is not
// available; on Windows the extended TCP table names the owning process, whose access
// token names the user. On other systems (macOS among them) the owner is
// not looked up and every check fails closed with ErrUnsupported.
//
// Owner and Check ask afresh on every call and keep no state;
// they are safe for concurrent use. A connection whose peer is gone by
// the time of the look-up has no owner (ErrNotFound): callers refuse it.
package peer

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os/user"
)

// Errors of the look-up. Every error Owner and Check return matches one
// of them with errors.Is.
var (
	// ErrForeign is a peer owned by another user than this process's.
	ErrForeign = errors.New("peer: the connection comes from another user's process")
	// ErrNotFound is a connection the socket tables do not list (the
	// peer closed it meanwhile, or it is not a local connection).
	ErrNotFound = errors.New("peer: the connection's other end is not in the socket table")
	// ErrNotLoopback is an address that is not a loopback TCP address.
	ErrNotLoopback = errors.New("peer: not a loopback TCP connection")
	// ErrUnsupported is a system where the owner of a socket is not
	// looked up.
	ErrUnsupported = errors.New("peer: finding the owner of a connection is not supported on this system")
	// ErrLookup is a failure to read the socket tables or the owning
	// process's identity.
	ErrLookup = errors.New("peer: reading the socket owner failed")
)

// User is a user of this computer: the uid in decimal on Unix, the
// security identifier (S-1-5-21-...) on Windows.
type User struct {
	ID string
}

// Name is the user's login name, or the ID when it has none.
func (u User) Name() string {
	if usr, err := user.LookupId(u.ID); err == nil && usr.Username != "" {
		return usr.Username
	}
	return u.ID
}

// String is the name and the ID, for logs and messages.
func (u User) String() string {
	if n := u.Name(); n != u.ID {
		return fmt.Sprintf("%s (%s)", n, u.ID)
	}
	return u.ID
}

// ForeignError is a peer owned by another user. It matches ErrForeign.
type ForeignError struct {
	// Owner owns the peer's socket; Self is this process's user.
	Owner, Self User
}

func (e *ForeignError) Error() string {
	return fmt.Sprintf("peer: the connection comes from a process of user %s, not of %s", e.Owner, e.Self)
}

// Is makes errors.Is(err, ErrForeign) true.
func (e *ForeignError) Is(target error) bool { return target == ErrForeign }

// Self is the user this process runs as.
func Self() (User, error) { return self() }

// Owner returns the user owning the socket at remote that is connected
// to our socket at local: for an accepted connection, the client's user;
// for a connection this process dialled, the user of the listening
// process. Both addresses must be loopback TCP addresses.
func Owner(local, remote net.Addr) (User, error) {
	l, err := addrPort(local)
	if err != nil {
		return User{}, err
	}
	r, err := addrPort(remote)
	if err != nil {
		return User{}, err
	}
	return owner(l, r)
}

// Check returns nil when the peer of the connection local–remote is
// owned by this process's user, a *ForeignError when another user owns
// it, and another error (ErrNotFound, ErrUnsupported, ...) when the owner
// cannot be told: callers refuse the connection on any error.
func Check(local, remote net.Addr) error {
	me, err := Self()
	if err != nil {
		return err
	}
	o, err := Owner(local, remote)
	if err != nil {
		return err
	}
	return sameUser(me, o)
}

// sameUser is nil when o is me, a *ForeignError otherwise. IDs are
// compared whole: uids in decimal, SIDs as Windows writes them.
func sameUser(me, o User) error {
	if o.ID != me.ID {
		return &ForeignError{Owner: o, Self: me}
	}
	return nil
}

// addrPort is a loopback TCP address as an unmapped netip.AddrPort.
func addrPort(a net.Addr) (netip.AddrPort, error) {
	var ap netip.AddrPort
	switch v := a.(type) {
	case *net.TCPAddr:
		ap = v.AddrPort()
	case nil:
		return ap, fmt.Errorf("%w: no address", ErrNotLoopback)
	default:
		if a.Network() != "tcp" {
			return ap, fmt.Errorf("%w: %s address %s", ErrNotLoopback, a.Network(), a)
		}
		p, err := netip.ParseAddrPort(a.String())
		if err != nil {
			return ap, fmt.Errorf("%w: %s: %w", ErrNotLoopback, a, err)
		}
		ap = p
	}
	ap = netip.AddrPortFrom(ap.Addr().Unmap().WithZone(""), ap.Port())
	if !ap.Addr().IsLoopback() || ap.Port() == 0 {
		return ap, fmt.Errorf("%w: %s", ErrNotLoopback, a)
	}
	return ap, nil
}
