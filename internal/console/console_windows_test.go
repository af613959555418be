//go:build windows

package console

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	kernel32                   = windows.NewLazySystemDLL("kernel32.dll")
	allocConsole               = kernel32.NewProc("AllocConsole")
	freeConsole                = kernel32.NewProc("FreeConsole")
	readConsoleOutputCharacter = kernel32.NewProc("ReadConsoleOutputCharacterW")
)

const childEnv = "CONSOLE_TEST_CHILD"

func TestMain(m *testing.M) {
	// As a child: attach, then say whether it did on standard output.
	if marker := os.Getenv(childEnv); marker != "" {
		attached := AttachParent()
		fmt.Fprintf(os.Stdout, "%s attached=%v\n", marker, attached)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// ownConsole gives the test a console of its own and returns its screen
// buffer.
func ownConsole(t *testing.T) *os.File {
	t.Helper()
	freeConsole.Call()
	if ok, _, err := allocConsole.Call(); ok == 0 {
		t.Fatalf("AllocConsole: %v", err)
	}
	out, err := os.OpenFile("CONOUT$", os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { out.Close() })
	return out
}

// screenText is what the console's screen buffer shows.
func screenText(t *testing.T, out *os.File) string {
	t.Helper()
	var info windows.ConsoleScreenBufferInfo
	h := windows.Handle(out.Fd())
	if err := windows.GetConsoleScreenBufferInfo(h, &info); err != nil {
		t.Fatalf("screen buffer: %v", err)
	}
	n := int(info.Size.X) * int(info.Size.Y)
	buf := make([]uint16, n)
	var got uint32
	if ok, _, err := readConsoleOutputCharacter.Call(uintptr(h), uintptr(unsafe.Pointer(&buf[0])), uintptr(n), 0, uintptr(unsafe.Pointer(&got))); ok == 0 {
		t.Fatalf("reading the screen buffer: %v", err)
	}
	return windows.UTF16ToString(buf[:got])
}

// A program started as a GUI program is, from a console: no console of
// its own and no standard handles. It attaches to its parent's console
// and what it prints shows there.
func TestPrintsOnParentConsole(t *testing.T) {
	out := ownConsole(t)
	marker := fmt.Sprintf("child-%d", time.Now().UnixNano())
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmdline := windows.EscapeArg(exe) + " -test.run=^$"
	env := append(os.Environ(), childEnv+"="+marker)
	block, err := envBlock(env)
	if err != nil {
		t.Fatal(err)
	}
	si := &windows.StartupInfo{Flags: windows.STARTF_USESTDHANDLES}
	si.Cb = uint32(unsafe.Sizeof(*si))
	pi := &windows.ProcessInformation{}
	cl, _ := windows.UTF16PtrFromString(cmdline)
	if err := windows.CreateProcess(nil, cl, nil, nil, false,
		windows.DETACHED_PROCESS|windows.CREATE_UNICODE_ENVIRONMENT, &block[0], nil, si, pi); err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(pi.Process)
	defer windows.CloseHandle(pi.Thread)
	if ev, err := windows.WaitForSingleObject(pi.Process, 60000); err != nil || ev != windows.WAIT_OBJECT_0 {
		t.Fatalf("the child did not end: %v", err)
	}
	var code uint32
	windows.GetExitCodeProcess(pi.Process, &code)
	if code != 0 {
		t.Fatalf("child exit code %d", code)
	}
	text := screenText(t, out)
	if !strings.Contains(text, marker+" attached=true") {
		t.Fatalf("the child's output is not on the console:\n%s", strings.TrimSpace(text))
	}
}

// Handles that were given are kept: output to a pipe stays in the pipe.
func TestKeepsRedirectedHandles(t *testing.T) {
	marker := fmt.Sprintf("child-%d", time.Now().UnixNano())
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+marker)
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: windows.DETACHED_PROCESS}
	got, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != marker+" attached=false\n" {
		t.Fatalf("output %q, want %q", got, marker+" attached=false\n")
	}
}

// envBlock is env as CreateProcess takes it: NUL-separated UTF-16, two
// NULs at the end.
func envBlock(env []string) ([]uint16, error) {
	var b []uint16
	for _, kv := range env {
		u, err := windows.UTF16FromString(kv)
		if err != nil {
			return nil, err
		}
		b = append(b, u...)
	}
	return append(b, 0), nil
}
