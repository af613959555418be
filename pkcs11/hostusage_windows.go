package pkcs11

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

// kernel32's process counters (kernel32 is load_windows.go's):
// golang.org/x/sys/windows has neither. K32GetProcessMemoryInfo is psapi's
// GetProcessMemoryInfo, in kernel32 since Windows 7.
var (
	procGetProcessMemoryInfo  = kernel32.NewProc("K32GetProcessMemoryInfo")
	procGetProcessHandleCount = kernel32.NewProc("GetProcessHandleCount")
)

// processMemoryCounters is PROCESS_MEMORY_COUNTERS.
type processMemoryCounters struct {
	cb                         uint32
	pageFaultCount             uint32
	peakWorkingSetSize         uintptr
	workingSetSize             uintptr
	quotaPeakPagedPoolUsage    uintptr
	quotaPagedPoolUsage        uintptr
	quotaPeakNonPagedPoolUsage uintptr
	quotaNonPagedPoolUsage     uintptr
	pagefileUsage              uintptr
	peakPagefileUsage          uintptr
}

// processUsage reads a process's working set (bytes) and the number of
// handles it holds. The process is a host this program started: its
// os.Process holds a handle to it, so its id names no other process
// while it has not been reaped.
func processUsage(pid int) (rss int64, handles int, ok bool) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION|windows.PROCESS_VM_READ, false, uint32(pid))
	if err != nil {
		return 0, 0, false
	}
	defer windows.CloseHandle(h)
	var mc processMemoryCounters
	mc.cb = uint32(unsafe.Sizeof(mc))
	if r, _, _ := procGetProcessMemoryInfo.Call(uintptr(h), uintptr(unsafe.Pointer(&mc)), uintptr(mc.cb)); r == 0 {
		return 0, 0, false
	}
	var n uint32
	if r, _, _ := procGetProcessHandleCount.Call(uintptr(h), uintptr(unsafe.Pointer(&n))); r == 0 {
		return 0, 0, false
	}
	return int64(mc.workingSetSize), int(n), true
}
