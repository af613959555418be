//go:build !windows

package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"
)

// dialChannel connects to the Unix socket at path.
func dialChannel(path string, timeout time.Duration) (net.Conn, error) {
	return net.DialTimeout("unix", path, timeout)
}

// listenChannel opens the Unix socket at path. A socket left by an agent
// that died is replaced; one that answers is left alone (another agent
// on another port with the same state folder) and an error returned.
func listenChannel(path string) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if _, err := os.Lstat(path); err == nil {
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("%s: another agent answers there", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	// Whatever the umask gave, only the user may connect.
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

// removeChannel removes the socket's file.
func removeChannel(path string) { os.Remove(path) }
