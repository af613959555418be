//go:build unix

package pkcs11

import (
	"syscall"
	"testing"
	"time"
)

func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestEventsIdleCPU watches a SoftHSM token for a few seconds and checks
// that the process used under 1% of a core: the watcher sleeps between
// looks instead of spinning.
func TestEventsIdleCPU(t *testing.T) {
	h := newSoftHSM(t, "zavera-idle-cpu")
	h.importECDSA(t, "ec", []byte{1})
	m := openSoftHSM(t, Options{PollInterval: time.Second})
	ch := m.Events()
	select {
	case e := <-ch:
		if e.Kind != TokenInserted || e.Token.Label != "zavera-idle-cpu" {
			t.Fatalf("first event %v %+v", e.Kind, e.Token)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no event for the token present at start")
	}
	const span = 4 * time.Second
	before, start := cpuTime(t), time.Now()
	time.Sleep(span)
	used, wall := cpuTime(t)-before, time.Since(start)
	share := float64(used) / float64(wall)
	t.Logf("idle watcher: %v CPU in %v (%.3f%% of a core)", used, wall, 100*share)
	if share >= 0.01 {
		t.Fatalf("idle watcher used %.2f%% of a core, want under 1%%", 100*share)
	}
	select {
	case e := <-ch:
		t.Fatalf("unexpected event %v while idle", e.Kind)
	default:
	}
}

// TestEventsIdleCPUWithSlotEventThread does the same on the GOST test
// token, whose events come from a thread blocked in C_WaitForSlotEvent.
func TestEventsIdleCPUWithSlotEventThread(t *testing.T) {
	e := newGOSTEnv(t, 10)
	m := e.open(t, Options{PollInterval: time.Second})
	ch := m.Events()
	for i := 0; i < 2; i++ {
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			t.Fatal("no event for the tokens present at start")
		}
	}
	const span = 4 * time.Second
	before, start := cpuTime(t), time.Now()
	time.Sleep(span)
	used, wall := cpuTime(t)-before, time.Since(start)
	share := float64(used) / float64(wall)
	t.Logf("idle watcher: %v CPU in %v (%.3f%% of a core)", used, wall, 100*share)
	if share >= 0.01 {
		t.Fatalf("idle watcher used %.2f%% of a core, want under 1%%", 100*share)
	}
}
