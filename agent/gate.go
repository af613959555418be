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
}

// originGate is one origin's slot, its queue and its refusals.
type originGate struct {
	origin   string
	slot     chan struct{} // holds a token while a prompt session runs
	waiting  int
	refusals int
	until    time.Time
}

func newGate(l Limits, now func() time.Time) *gate {
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
		og = &originGate{origin: origin, slot: make(chan struct{}, 1)}
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
	g.mu.Unlock()

	select {
	case og.slot <- struct{}{}:
	case <-ctx.Done():
		g.mu.Lock()
		og.waiting--
		g.mu.Unlock()
		g.forget(og)
		return nil, fmt.Errorf("%w: while waiting for another prompt: %v", ErrCancelled, ctx.Err())
	}
	g.mu.Lock()
	og.waiting--
	err = g.coolingLocked(og) // the request before may have started one
	g.mu.Unlock()
	if err != nil {
		<-og.slot
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
	g.mu.Unlock()
	<-og.slot
	g.forget(og)
}

// forget drops an origin's state when nothing is left in it, so that the
// map does not grow with every origin ever seen.
func (g *gate) forget(og *originGate) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if og.waiting == 0 && og.refusals == 0 && og.until.IsZero() && len(og.slot) == 0 && g.origins[og.origin] == og {
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
