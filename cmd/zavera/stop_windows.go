package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// stopWait is how long stopAgents waits for each process to end.
const stopWait = 10 * time.Second

// stopAgents ends every process named zavera.exe (or started from exe,
// when given) that runs as this process's user, except this one, and
// waits until each has ended. It returns how many it ended.
//
// A process of another user cannot be opened with the rights needed
// (Windows refuses it to a user who is not an administrator) and is
// skipped without error, as is one whose owner cannot be read; an
// administrator's elevated run is kept to its own user by the owner
// check. The agent writes each journal record whole and synced, and its
// journal lock ends with the process, so ending it between two requests
// loses nothing.
func stopAgents(exe string) (int, error) {
	me, err := processUser(windows.CurrentProcess())
	if err != nil {
		return 0, fmt.Errorf("this process's user: %w", err)
	}
	if exe != "" {
		if exe, err = filepath.Abs(exe); err != nil {
			return 0, err
		}
	}
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return 0, fmt.Errorf("process list: %w", err)
	}
	defer windows.CloseHandle(snap)
	var pids []uint32
	entry := windows.ProcessEntry32{Size: uint32(unsafe.Sizeof(windows.ProcessEntry32{}))}
	for err = windows.Process32First(snap, &entry); err == nil; err = windows.Process32Next(snap, &entry) {
		name := windows.UTF16ToString(entry.ExeFile[:])
		if strings.EqualFold(name, "zavera.exe") && entry.ProcessID != uint32(os.Getpid()) {
			pids = append(pids, entry.ProcessID)
		}
	}
	stopped := 0
	var errs []error
	for _, pid := range pids {
		ok, err := stopProcess(pid, me, exe)
		if err != nil {
			errs = append(errs, err)
		}
		if ok {
			stopped++
		}
	}
	if len(errs) > 0 {
		return stopped, errs[0]
	}
	return stopped, nil
}

// stopProcess ends pid if it runs as user me (and from exe, if given).
func stopProcess(pid uint32, me *windows.SID, exe string) (bool, error) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION|windows.PROCESS_TERMINATE|windows.SYNCHRONIZE, false, pid)
	if err != nil {
		return false, nil // another user's, or gone
	}
	defer windows.CloseHandle(h)
	owner, err := processUser(h)
	if err != nil || !owner.Equals(me) {
		return false, nil
	}
	if exe != "" {
		buf := make([]uint16, windows.MAX_LONG_PATH)
		n := uint32(len(buf))
		if err := windows.QueryFullProcessImageName(h, 0, &buf[0], &n); err != nil {
			return false, nil
		}
		if !strings.EqualFold(filepath.Clean(windows.UTF16ToString(buf[:n])), filepath.Clean(exe)) {
			return false, nil
		}
	}
	if err := windows.TerminateProcess(h, 1); err != nil {
		return false, fmt.Errorf("process %d: %w", pid, err)
	}
	if ev, err := windows.WaitForSingleObject(h, uint32(stopWait/time.Millisecond)); err != nil || ev != windows.WAIT_OBJECT_0 {
		return true, fmt.Errorf("process %d: still running after %s", pid, stopWait)
	}
	return true, nil
}

// processUser is the user SID of the process h.
func processUser(h windows.Handle) (*windows.SID, error) {
	var tok windows.Token
	if err := windows.OpenProcessToken(h, windows.TOKEN_QUERY, &tok); err != nil {
		return nil, err
	}
	defer tok.Close()
	u, err := tok.GetTokenUser()
	if err != nil {
		return nil, err
	}
	return u.User.Sid.Copy()
}
