//go:build windows

package userpipe

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// ErrOtherUser is a pipe end that belongs to another user.
var ErrOtherUser = errors.New("userpipe: the other end of the pipe runs as another user")

// ErrExists is a pipe of that name made by another process.
var ErrExists = errors.New("userpipe: the pipe exists already")

// currentUser is this process's user.
func currentUser() (*windows.SID, error) {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, fmt.Errorf("the process's user: %w", err)
	}
	return tu.User.Sid.Copy()
}

// Name is the pipe \\.\pipe\PREFIX-<user SID>-<12 hex digits of key's
// SHA-256>: one per user and key.
func Name(prefix, key string) (string, error) {
	me, err := currentUser()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(key))
	return `\\.\pipe\` + prefix + "-" + me.String() + "-" + hex.EncodeToString(sum[:6]), nil
}

// processUser is the user of process pid.
func processUser(pid uint32) (*windows.SID, error) {
	p, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return nil, fmt.Errorf("opening process %d: %w", pid, err)
	}
	defer windows.CloseHandle(p)
	var tok windows.Token
	if err := windows.OpenProcessToken(p, windows.TOKEN_QUERY, &tok); err != nil {
		return nil, fmt.Errorf("the token of process %d: %w", pid, err)
	}
	defer tok.Close()
	tu, err := tok.GetTokenUser()
	if err != nil {
		return nil, fmt.Errorf("the user of process %d: %w", pid, err)
	}
	return tu.User.Sid.Copy()
}

// sameUser checks that process pid runs as this process's user.
func sameUser(pid uint32) error {
	me, err := currentUser()
	if err != nil {
		return err
	}
	them, err := processUser(pid)
	if err != nil {
		return err
	}
	if !them.Equals(me) {
		return fmt.Errorf("%w: process %d is %s", ErrOtherUser, pid, them)
	}
	return nil
}

// pipeConn is one end of a connected pipe.
type pipeConn struct {
	*os.File
	h    windows.Handle
	addr pipeAddr
}

type pipeAddr string

func (a pipeAddr) Network() string { return "pipe" }
func (a pipeAddr) String() string  { return string(a) }

func (c *pipeConn) LocalAddr() net.Addr  { return c.addr }
func (c *pipeConn) RemoteAddr() net.Addr { return c.addr }

// Dial connects to the pipe name, waiting up to timeout while all its
// instances are busy, and checks that its server runs as this user.
func Dial(name string, timeout time.Duration) (net.Conn, error) {
	name16, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return nil, err
	}
	end := time.Now().Add(timeout)
	var h windows.Handle
	for {
		h, err = windows.CreateFile(name16, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING,
			windows.FILE_FLAG_OVERLAPPED|windows.SECURITY_SQOS_PRESENT|windows.SECURITY_IDENTIFICATION, 0)
		if errors.Is(err, windows.ERROR_PIPE_BUSY) && time.Now().Before(end) {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("opening %s: %w", name, err)
		}
		break
	}
	var pid uint32
	if err := windows.GetNamedPipeServerProcessId(h, &pid); err != nil {
		windows.CloseHandle(h)
		return nil, fmt.Errorf("the server of %s: %w", name, err)
	}
	if err := sameUser(pid); err != nil {
		windows.CloseHandle(h)
		return nil, err
	}
	return &pipeConn{File: os.NewFile(uintptr(h), name), h: h, addr: pipeAddr(name)}, nil
}

// pipeListener accepts connections on the pipe: each connection takes
// the listening instance, and a new one is made for the next client.
type pipeListener struct {
	name   string
	name16 *uint16
	sa     *windows.SecurityAttributes
	closed windows.Handle // a manual-reset event, set by Close

	mu   sync.Mutex
	next windows.Handle // the instance waiting for a client; 0 once taken
	done bool
}

// pipeSDDL is the pipe's protected DACL: all access for the user and for
// SYSTEM, nothing for anyone else.
func pipeSDDL(user *windows.SID) string {
	return "D:P(A;;GA;;;" + user.String() + ")(A;;GA;;;SY)"
}

// Listen makes the first instance of the pipe name. It fails with
// ErrExists if the pipe exists, whoever made it.
func Listen(name string) (net.Listener, error) {
	me, err := currentUser()
	if err != nil {
		return nil, err
	}
	sd, err := windows.SecurityDescriptorFromString(pipeSDDL(me))
	if err != nil {
		return nil, fmt.Errorf("the pipe's security descriptor: %w", err)
	}
	l := &pipeListener{name: name}
	l.sa = &windows.SecurityAttributes{SecurityDescriptor: sd}
	l.sa.Length = uint32(unsafe.Sizeof(*l.sa))
	if l.name16, err = windows.UTF16PtrFromString(l.name); err != nil {
		return nil, err
	}
	// FILE_FLAG_FIRST_PIPE_INSTANCE refuses a name in use; a look first
	// says so too where the flag is not honoured (Wine).
	if exists(l.name16) {
		return nil, fmt.Errorf("%w: %s", ErrExists, l.name)
	}
	if l.next, err = l.instance(true); err != nil {
		if errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_PIPE_BUSY) {
			return nil, fmt.Errorf("%w: %s: %w", ErrExists, l.name, err)
		}
		return nil, fmt.Errorf("%s: %w", l.name, err)
	}
	if l.closed, err = windows.CreateEvent(nil, 1, 0, nil); err != nil {
		windows.CloseHandle(l.next)
		return nil, err
	}
	return l, nil
}

var waitNamedPipe = windows.NewLazySystemDLL("kernel32.dll").NewProc("WaitNamedPipeW")

// exists tells whether a pipe of that name has an instance, without
// connecting to it: WaitNamedPipe fails with ERROR_FILE_NOT_FOUND only
// when there is none.
func exists(name16 *uint16) bool {
	ok, _, err := waitNamedPipe.Call(uintptr(unsafe.Pointer(name16)), 1)
	return ok != 0 || !errors.Is(err, windows.ERROR_FILE_NOT_FOUND)
}

// instance makes an instance of the pipe.
func (l *pipeListener) instance(first bool) (windows.Handle, error) {
	flags := uint32(windows.PIPE_ACCESS_DUPLEX | windows.FILE_FLAG_OVERLAPPED)
	if first {
		flags |= windows.FILE_FLAG_FIRST_PIPE_INSTANCE
	}
	mode := uint32(windows.PIPE_TYPE_BYTE | windows.PIPE_READMODE_BYTE | windows.PIPE_WAIT | windows.PIPE_REJECT_REMOTE_CLIENTS)
	return windows.CreateNamedPipe(l.name16, flags, mode, windows.PIPE_UNLIMITED_INSTANCES, 512, 512, 0, l.sa)
}

// Accept waits for a client on the listening instance.
func (l *pipeListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if l.done {
		l.mu.Unlock()
		return nil, net.ErrClosed
	}
	h := l.next
	l.next = 0
	l.mu.Unlock()
	if h == 0 {
		var err error
		if h, err = l.instance(false); err != nil {
			return nil, fmt.Errorf("%s: %w", l.name, err)
		}
	}
	if err := l.connect(h); err != nil {
		windows.CloseHandle(h)
		return nil, err
	}
	// The next instance is ready before this client is served, so that
	// another client finds the pipe listening.
	if next, err := l.instance(false); err == nil {
		l.mu.Lock()
		if l.done {
			windows.CloseHandle(next)
		} else {
			l.next = next
		}
		l.mu.Unlock()
	}
	return &pipeConn{File: os.NewFile(uintptr(h), l.name), h: h, addr: pipeAddr(l.name)}, nil
}

// connect waits until a client opens the instance h or the listener is
// closed.
func (l *pipeListener) connect(h windows.Handle) error {
	ev, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(ev)
	// On the heap, so that it stays where the system writes to it.
	ov := new(windows.Overlapped)
	ov.HEvent = ev
	err = windows.ConnectNamedPipe(h, ov)
	switch {
	case err == nil, errors.Is(err, windows.ERROR_PIPE_CONNECTED):
		return nil
	case !errors.Is(err, windows.ERROR_IO_PENDING):
		return fmt.Errorf("%s: waiting for a client: %w", l.name, err)
	}
	which, err := windows.WaitForMultipleObjects([]windows.Handle{ev, l.closed}, false, windows.INFINITE)
	var n uint32
	if err != nil || which != windows.WAIT_OBJECT_0 {
		windows.CancelIoEx(h, ov)
		windows.GetOverlappedResult(h, ov, &n, true)
		if err != nil {
			return err
		}
		return net.ErrClosed
	}
	if err := windows.GetOverlappedResult(h, ov, &n, true); err != nil {
		return fmt.Errorf("%s: waiting for a client: %w", l.name, err)
	}
	return nil
}

// Close stops Accept and removes the listening instance.
func (l *pipeListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return nil
	}
	l.done = true
	windows.SetEvent(l.closed)
	if l.next != 0 {
		windows.CloseHandle(l.next)
		l.next = 0
	}
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr(l.name) }

// CheckClient refuses a client, a connection from Accept, that runs as
// another user.
func CheckClient(c net.Conn) error {
	pc, ok := c.(*pipeConn)
	if !ok {
		return fmt.Errorf("not a pipe")
	}
	var pid uint32
	if err := windows.GetNamedPipeClientProcessId(pc.h, &pid); err != nil {
		return fmt.Errorf("the client of %s: %w", pc.addr, err)
	}
	return sameUser(pid)
}
