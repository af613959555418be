package verifyserver

import "runtime/debug"

// Collector defaults of the service (see TuneCollector).
const (
	// DefaultGCPercent lets the heap grow to five times what is live
	// before the next collection, instead of Go's twice: a verification
	// allocates a few hundred kilobytes that are garbage by its answer,
	// and with the default the collector runs every few requests.
	DefaultGCPercent = 400
	// DefaultMemoryLimit makes the collector run sooner when the heap
	// nears 1 GiB whatever DefaultGCPercent allows, so that a few large
	// bodies in flight do not let the heap grow fivefold.
	DefaultMemoryLimit = 1 << 30
)

// TuneCollector sets the service's defaults for Go's collector where the
// environment (GOGC, GOMEMLIMIT, as getenv reads it) sets nothing, and
// returns the settings in force: the GC percentage (-1 off) and the soft
// memory limit in bytes (math.MaxInt64 none). Only the command that runs
// the service calls it, once, before serving: the settings are the
// process's.
func TuneCollector(getenv func(string) string) (gcPercent int, memoryLimit int64) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(DefaultGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(DefaultMemoryLimit)
	}
	gcPercent = debug.SetGCPercent(-1)
	debug.SetGCPercent(gcPercent)
	return gcPercent, debug.SetMemoryLimit(-1)
}
