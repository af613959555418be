//go:build !linux && !windows

package main

import "net"

// samePeer relies on the socket's permissions (0600 in the user's state
// folder) where the peer's credentials are not read.
func samePeer(net.Conn) error { return nil }
