//go:build windows

package childproc

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
)

// reportEnv makes the test binary, started as a child, print its console
// state instead of running the tests.
const reportEnv = "ZAVERA_TEST_CONSOLE_REPORT"

func TestMain(m *testing.M) {
	if os.Getenv(reportEnv) != "" {
		fmt.Print(consoleState())
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var (
	kernel32              = windows.NewLazySystemDLL("kernel32.dll")
	getConsoleWindow      = kernel32.NewProc("GetConsoleWindow")
	getConsoleProcessList = kernel32.NewProc("GetConsoleProcessList")
)

// consoleState describes this process's console: whether it has a
// window, and how many processes share it (0: no console at all).
func consoleState() string {
	w, _, _ := getConsoleWindow.Call()
	var ids [16]uint32
	n, _, _ := getConsoleProcessList.Call(uintptr(unsafe.Pointer(&ids[0])), uintptr(len(ids)))
	return fmt.Sprintf("window=%t processes=%d", w != 0, n)
}

// TestChildHasNoConsoleWindow starts this test binary as a console child
// through NoConsole: it must have a console of its own (its standard
// handles work as usual) that has no window, and share it with no one.
func TestChildHasNoConsoleWindow(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := NoConsole(exec.Command(exe))
	cmd.Env = append(os.Environ(), reportEnv+"=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != "window=false processes=1" {
		t.Fatalf("child's console: %s; want a console of its own without a window (parent: %s)", got, consoleState())
	}
}

func TestNoConsoleKeepsOtherAttributes(t *testing.T) {
	cmd := exec.Command("zavera.exe")
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: windows.CREATE_NEW_PROCESS_GROUP, NoInheritHandles: true}
	NoConsole(cmd)
	a := cmd.SysProcAttr
	if a.CreationFlags != windows.CREATE_NEW_PROCESS_GROUP|windows.CREATE_NO_WINDOW || !a.NoInheritHandles || a.HideWindow {
		t.Fatalf("SysProcAttr after NoConsole: %+v", a)
	}
	if a := NoConsole(exec.Command("zavera.exe")).SysProcAttr; a == nil || a.CreationFlags != windows.CREATE_NO_WINDOW {
		t.Fatalf("SysProcAttr of a plain command: %+v", a)
	}
}
