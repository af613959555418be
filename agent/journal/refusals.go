package journal

import (
	"cmp"
	"slices"
	"sync"
	"time"
)

// Refusals that no user saw. A request refused before any prompt was
// shown (a limit reached, a cool-down, a full queue) is not a record of
// its own: a page can make thousands a second. CountRefusal counts them
// per origin and reason, and the journal writes one record per origin
// and reason with the count (Record.Count), once per RefusalInterval
// while there are any, and on Close. Refusals that a user made, a
// declined prompt, stay records of their own.
type refusals struct {
	j       *Journal
	flushMu sync.Mutex // one flush at a time
	mu      sync.Mutex // guards the fields below
	counts  map[refusalKey]uint64
	timer   *time.Timer
	stopped bool
	lastErr error
}

type refusalKey struct{ origin, reason string }

// maxRefusalKeys bounds the origins and reasons counted in one interval;
// beyond it, refusals of further origins are counted under otherOrigins.
const (
	maxRefusalKeys = 1024
	otherOrigins   = "*"
)

func (r *refusals) init(j *Journal) { r.j = j }

// CountRefusal counts a request of origin refused for reason before any
// prompt was shown. It neither writes nor waits for the disk.
func (j *Journal) CountRefusal(origin, reason string) {
	r := &j.refusals
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return
	}
	if r.counts == nil {
		r.counts = map[refusalKey]uint64{}
	}
	k := refusalKey{origin, reason}
	if _, ok := r.counts[k]; !ok && len(r.counts) >= maxRefusalKeys {
		k.origin = otherOrigins
	}
	r.counts[k]++
	if r.timer == nil {
		r.timer = time.AfterFunc(j.opts.RefusalInterval, func() {
			err := r.flush()
			r.mu.Lock()
			r.lastErr = err
			r.mu.Unlock()
		})
	}
}

// FlushRefusals writes the refusals counted so far, on disk when it
// returns.
func (j *Journal) FlushRefusals() error { return j.refusals.flush() }

// flush writes one record per origin and reason counted, in the order of
// origin and reason, and syncs them.
func (r *refusals) flush() error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.mu.Lock()
	counts := r.counts
	r.counts = nil
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
	r.mu.Unlock()
	if len(counts) == 0 {
		return nil
	}
	keys := make([]refusalKey, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b refusalKey) int {
		return cmp.Or(cmp.Compare(a.origin, b.origin), cmp.Compare(a.reason, b.reason))
	})
	var last Record
	for _, k := range keys {
		var err error
		last, err = r.j.Write(Record{Event: EventRefusal, Origin: k.origin, Outcome: OutcomeRefused, Reason: k.reason, Count: counts[k]})
		if err != nil {
			return err
		}
	}
	return r.j.Sync(last.Seq)
}

// stop writes what is counted and counts no more; for Close. It returns
// the error of the last flush if it failed.
func (r *refusals) stop() error {
	r.mu.Lock()
	r.stopped = true
	lastErr := r.lastErr
	r.mu.Unlock()
	if err := r.flush(); err != nil {
		return err
	}
	return lastErr
}
