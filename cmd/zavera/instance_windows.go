//go:build windows

package main

// On Windows the local channel is a named pipe (internal/userpipe),
// \\.\pipe\zavera-<user SID>-<hash of the state folder's path>: one per
// user and state folder, as the Unix socket is one per state folder. Only
// the user and SYSTEM may open it, and each end checks that the other
// runs as the user.

import (
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/zavera/zavera/internal/userpipe"
)

// channelPipe is the pipe's name for the channel's path.
func channelPipe(path string) (string, error) {
	return userpipe.Name("zavera", strings.ToLower(filepath.Clean(path)))
}

// dialChannel connects to the running agent's pipe.
func dialChannel(path string, timeout time.Duration) (net.Conn, error) {
	name, err := channelPipe(path)
	if err != nil {
		return nil, err
	}
	return userpipe.Dial(name, timeout)
}

// listenChannel makes the pipe. One that exists (another agent on another
// port with the same state folder, or anyone squatting on the name) is
// left alone and an error returned.
func listenChannel(path string) (net.Listener, error) {
	name, err := channelPipe(path)
	if err != nil {
		return nil, err
	}
	return userpipe.Listen(name)
}

// samePeer refuses a client that runs as another user.
func samePeer(c net.Conn) error { return userpipe.CheckClient(c) }

// removeChannel has nothing to remove: a pipe ends with its last handle.
func removeChannel(string) {}
