//go:build linux

// Package otheruser gives tests a second Unix user of this computer:
// created with useradd when the test runs as root, removed with
// userdel -r when the test ends. Tests use it to prove that the agent
// refuses other users' processes. It is for tests only.
package otheruser

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// User is the second user and a folder both users can reach.
type User struct {
	Name     string
	UID, GID uint32
	// Home is the user's home, owned by the user.
	Home string
	// Shared is a folder the user can read and traverse (0755, root's).
	Shared string
}

// Create makes a new user or skips the test, with a message, when the
// test does not run as root or useradd is missing.
func Create(t testing.TB) *User {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("a second Unix user needs root to be created: run this test as root")
	}
	add, err := exec.LookPath("useradd")
	if err != nil {
		t.Skip("useradd is missing: cannot create a second Unix user")
	}
	del, err := exec.LookPath("userdel")
	if err != nil {
		t.Skip("userdel is missing: a second Unix user could not be removed")
	}
	// t.TempDir is 0700 root's: the other user needs a way in.
	shared, err := os.MkdirTemp("", "zavera-otheruser")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(shared) })
	if err := os.Chmod(shared, 0o755); err != nil {
		t.Fatal(err)
	}
	var b [5]byte
	rand.Read(b[:])
	name := "zvtest" + hex.EncodeToString(b[:])
	home := filepath.Join(shared, "home")
	if out, err := exec.Command(add, "-M", "-d", home, "-s", "/bin/false", "-U", name).CombinedOutput(); err != nil {
		t.Fatalf("useradd %s: %v\n%s", name, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command(del, "-r", name).CombinedOutput(); err != nil {
			// -r complains of a missing mail spool; the user is gone
			// all the same unless lookup still finds it.
			if _, lerr := user.Lookup(name); lerr == nil {
				t.Errorf("userdel -r %s: %v\n%s", name, err, out)
			}
		}
	})
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(home, int(uid), int(gid)); err != nil {
		t.Fatal(err)
	}
	return &User{Name: name, UID: uint32(uid), GID: uint32(gid), Home: home, Shared: shared}
}

// Command is cmd run as the user, with HOME at the user's home and the
// XDG folders inside it.
func (u *User) Command(name string, args ...string) *exec.Cmd {
	c := exec.Command(name, args...)
	c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: u.UID, Gid: u.GID}, Setsid: true}
	c.Env = append(os.Environ(), "HOME="+u.Home, "USER="+u.Name, "LOGNAME="+u.Name,
		"XDG_CONFIG_HOME="+filepath.Join(u.Home, ".config"), "XDG_STATE_HOME="+filepath.Join(u.Home, ".local", "state"),
		"XDG_CACHE_HOME="+filepath.Join(u.Home, ".cache"), "XDG_RUNTIME_DIR=", "DBUS_SESSION_BUS_ADDRESS=")
	c.Dir = u.Home
	return c
}

// Share copies the file at path (a program) into the shared folder,
// readable and executable by everyone, and returns the copy's path.
func (u *User) Share(t testing.TB, path string) string {
	t.Helper()
	src, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst := filepath.Join(u.Shared, filepath.Base(path))
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, src); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return dst
}

// WriteFile writes a file into the user's home, owned by the user.
func (u *User) WriteFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(u.Home, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(p, int(u.UID), int(u.GID)); err != nil {
		t.Fatal(err)
	}
	return p
}
