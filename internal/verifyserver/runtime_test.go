package verifyserver

import (
	"runtime/debug"
	"testing"
)

// The service's collector defaults apply where the environment sets
// nothing, and GOGC and GOMEMLIMIT keep their say.
func TestTuneCollector(t *testing.T) {
	prevGC := debug.SetGCPercent(100)
	prevLimit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetGCPercent(prevGC); debug.SetMemoryLimit(prevLimit) })

	gc, limit := TuneCollector(func(string) string { return "" })
	if gc != DefaultGCPercent || limit != DefaultMemoryLimit {
		t.Errorf("no environment: GOGC %d, limit %d", gc, limit)
	}
	if got := debug.SetGCPercent(gc); got != DefaultGCPercent {
		t.Errorf("GC percent in force %d", got)
	}

	debug.SetGCPercent(150)
	debug.SetMemoryLimit(64 << 20)
	env := map[string]string{"GOGC": "150", "GOMEMLIMIT": "64MiB"}
	gc, limit = TuneCollector(func(k string) string { return env[k] })
	if gc != 150 || limit != 64<<20 {
		t.Errorf("GOGC and GOMEMLIMIT set: GOGC %d, limit %d", gc, limit)
	}
}
