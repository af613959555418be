//go:build windows

package prompter

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

const consoleReportEnv = "ZAVERA_TEST_CONSOLE_REPORT"

// TestConsoleReport is the window process of TestWindowProcessHasNoConsoleWindow,
// not a test of its own: it prints its console state.
func TestConsoleReport(t *testing.T) {
	if os.Getenv(consoleReportEnv) == "" {
		t.Skip("runs only as the child of TestWindowProcessHasNoConsoleWindow")
	}
	k := windows.NewLazySystemDLL("kernel32.dll")
	w, _, _ := k.NewProc("GetConsoleWindow").Call()
	var ids [16]uint32
	n, _, _ := k.NewProc("GetConsoleProcessList").Call(uintptr(unsafe.Pointer(&ids[0])), uintptr(len(ids)))
	fmt.Printf("window=%t processes=%d\n", w != 0, n)
}

// TestWindowProcessHasNoConsoleWindow starts a console program (this test
// binary) the way the agent starts zavera-ui: it must get a console of
// its own without a window, not one that flashes up.
func TestWindowProcessHasNoConsoleWindow(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestConsoleReport$", "-test.count=1")
	cmd.Env = append(os.Environ(), consoleReportEnv+"=1")
	p := &Prompter{o: Options{Stderr: io.Discard}}
	pr, err := p.launch(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer pr.stop(5 * time.Second)
	line, err := bufio.NewReader(pr.out).ReadString('\n')
	if err != nil {
		t.Fatalf("window process: %v", err)
	}
	if line != "window=false processes=1\n" {
		t.Fatalf("window process's console: %q; want a console of its own without a window", line)
	}
}
