//go:build !linux

package peer

import "net"

// CheckUnix relies on the socket's permissions where the peer's
// credentials are not read: the socket is 0600 in the user's own state
// folder (on Windows, AF_UNIX sockets of Windows 10 1803 and later, in
// the user's profile, whose ACL admits the user only).
func CheckUnix(net.Conn) error { return nil }
