package benchfig

import (
	"fmt"
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

// Rate calls f repeatedly for d of the calling thread's CPU time and
// returns calls per CPU second: a figure that another process on the
// machine slows less than a wall-clock one.
func Rate(d time.Duration, f func() error) (float64, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start, err := threadCPU()
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		if err := f(); err != nil {
			return 0, err
		}
		n++
		now, err := threadCPU()
		if err != nil {
			return 0, err
		}
		if el := now - start; el >= d {
			return float64(n) / el.Seconds(), nil
		}
	}
}

// threadCPU returns the calling thread's CPU time.
func threadCPU() (time.Duration, error) {
	const clockThreadCPUTimeID = 3 // CLOCK_THREAD_CPUTIME_ID
	var ts syscall.Timespec
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0, fmt.Errorf("clock_gettime: %w", e)
	}
	return time.Duration(ts.Nano()), nil
}
