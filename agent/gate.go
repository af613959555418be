package agent

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// gate keeps prompts in check: one prompt session per origin at a time
// (other requests of the origin wait their turn, a bounded number of
// them), a cool-down after repeated refusals, and a timeout on every
// prompt.
type gate struct {
	timeout    time.Duration
	maxRefus   int
	cooldown   time.Duration
	maxWaiting int
	now        func() time.Time

	mu      sync.Mutex
	origins map[string]*originGate

	// pairing admits the pairing prompts of origins not yet approved,
	// per site and within a budget (pairing.go).
	pairing *pairingGate
}

// originGate is one origin's slot, its queue and its refusals. Freeing
// the slot wakes the oldest waiter but does not hand the slot to it: a
// request that arrives while the waiter is still being scheduled may
// take it first, and the waiter queues again at the front. Without
// prompts to wait for (a scripted prompter, a key that asks for no PIN)
// the slot is held for microseconds, and handing it over would make
// every request wait for the one before it to be scheduled.
type originGate struct {
	origin   string
	busy     bool            // a prompt session holds the slot
	queue    []chan struct{} // waiters, oldest first; closed to wake one
	waiting  int
	refusals int
	until    time.Time
}

// wakeLocked wakes the oldest waiter, if any.
func (og *originGate) wakeLocked() {
	if len(og.queue) > 0 {
		close(og.queue[0])
		og.queue = og.queue[1:]
	}
}

// dequeueLocked removes w from the queue and reports whether it was
// still there (false: it has been woken).
func (og *originGate) dequeueLocked(w chan struct{}) bool {
	for i, q := range og.queue {
		if q == w {
			og.queue = append(og.queue[:i], og.queue[i+1:]...)
			return true
		}
	}
	return false
}

func newGate(l Limits, now func() time.Time) *gate {
	g := newKeyGate(l, now)
	g.pairing = newPairingGate(l, now)
	return g
}

// newKeyGate returns a gate without its pairing part.
func newKeyGate(l Limits, now func() time.Time) *gate {
	return &gate{
		timeout:    time.Duration(l.PromptTimeout),
		maxRefus:   l.CancelsBeforeCooldown,
		cooldown:   time.Duration(l.Cooldown),
		maxWaiting: l.MaxInFlight,
		now:        now,
		origins:    map[string]*originGate{},
	}
}

// coolingLocked returns an error while the origin is in its cool-down.
func (g *gate) coolingLocked(og *originGate) error {
	if og.until.IsZero() {
		return nil
	}
	if g.now().Before(og.until) {
		return fmt.Errorf("%w: cool-down after %d refusals, until %s", ErrBusy, g.maxRefus, og.until.Format(time.RFC3339))
	}
	og.until = time.Time{}
	return nil
}

// acquire waits for the origin's prompt slot. It fails at once with
// ErrBusy during a cool-down or when too many requests of the origin
// wait already, and with ErrCancelled when ctx ends first. The returned
// release records the outcome (a refusal counts towards the cool-down, a
// success resets the count) and frees the slot; it may be called more than
// once.
func (g *gate) acquire(ctx context.Context, origin string) (release func(err error), err error) {
	g.mu.Lock()
	og := g.origins[origin]
	if og == nil {
		og = &originGate{origin: origin}
		g.origins[origin] = og
	}
	if err := g.coolingLocked(og); err != nil {
		g.mu.Unlock()
		return nil, err
	}
	if og.waiting >= g.maxWaiting {
		g.mu.Unlock()
		return nil, fmt.Errorf("%w: %d requests of %s wait for a prompt", ErrBusy, og.waiting, origin)
	}
	og.waiting++
	for woken := false; og.busy; {
		w := make(chan struct{})
		if woken {
			og.queue = append([]chan struct{}{w}, og.queue...)
		} else {
			og.queue = append(og.queue, w)
		}
		g.mu.Unlock()
		select {
		case <-w:
			woken = true
			g.mu.Lock()
		case <-ctx.Done():
			g.mu.Lock()
			if !og.dequeueLocked(w) {
				og.wakeLocked() // woken meanwhile: pass it on
			}
			og.waiting--
			g.mu.Unlock()
			g.forget(og)
			return nil, fmt.Errorf("%w: while waiting for another prompt: %v", ErrCancelled, ctx.Err())
		}
	}
	og.busy = true
	og.waiting--
	err = g.coolingLocked(og) // the request before may have started one
	if err != nil {
		og.busy = false
		og.wakeLocked()
	}
	g.mu.Unlock()
	if err != nil {
		g.forget(og)
		return nil, err
	}
	var once sync.Once
	return func(err error) {
		once.Do(func() { g.release(og, err) })
	}, nil
}

func (g *gate) release(og *originGate, err error) {
	g.mu.Lock()
	switch {
	case err == nil:
		og.refusals = 0
	case errors.Is(err, ErrCancelled):
		og.refusals++
		if og.refusals >= g.maxRefus {
			og.refusals = 0
			og.until = g.now().Add(g.cooldown)
		}
	}
	og.busy = false
	og.wakeLocked()
	g.mu.Unlock()
	g.forget(og)
}

// forget drops an origin's state when nothing is left in it, so that the
// map does not grow with every origin ever seen.
func (g *gate) forget(og *originGate) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if og.waiting == 0 && og.refusals == 0 && og.until.IsZero() && !og.busy && len(og.queue) == 0 && g.origins[og.origin] == og {
		delete(g.origins, og.origin)
	}
}

// ask runs one prompt with the prompt timeout. A prompt that times out or
// whose page went away counts as cancelled.
func (g *gate) ask(ctx context.Context, fn func(ctx context.Context) error) error {
	pctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	err := fn(pctx)
	if err != nil && pctx.Err() != nil && !errors.Is(err, ErrCancelled) {
		return fmt.Errorf("%w: prompt ended: %v", ErrCancelled, pctx.Err())
	}
	return err
}
