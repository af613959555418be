//go:build unix

package installer

import (
	"os"
	"os/exec"
	"syscall"
)

// fileOwner is the user a tool runs as, so that files it makes in a
// user's folder belong to that user even when root installs.
type fileOwner struct{ uid, gid uint32 }

// ownerOf returns the owner of path when this process is root and path
// belongs to someone else; nil means "run as this process".
func ownerOf(path string) *fileOwner {
	if os.Geteuid() != 0 {
		return nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok || sys.Uid == 0 {
		return nil
	}
	return &fileOwner{uid: sys.Uid, gid: sys.Gid}
}

func (o *fileOwner) apply(cmd *exec.Cmd) {
	if o == nil {
		return
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: o.uid, Gid: o.gid}}
}

// chown gives path to the owner; nothing when o is nil.
func (o *fileOwner) chown(path string) error {
	if o == nil {
		return nil
	}
	return os.Lchown(path, int(o.uid), int(o.gid))
}

func isRoot() bool { return os.Geteuid() == 0 }
