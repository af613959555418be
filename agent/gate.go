package agent

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// gate keeps prompts in check: one pending prompt session per origin, a
// cool-down after repeated refusals, and a timeout on every prompt.
type gate struct {
	timeout  time.Duration
	maxRefus int
	cooldown time.Duration
	now      func() time.Time

	mu       sync.Mutex
	pending  map[string]bool
	refusals map[string]int
	until    map[string]time.Time
}

func newGate(l Limits, now func() time.Time) *gate {
	return &gate{
		timeout:  time.Duration(l.PromptTimeout),
		maxRefus: l.CancelsBeforeCooldown,
		cooldown: time.Duration(l.Cooldown),
		now:      now,
		pending:  map[string]bool{},
		refusals: map[string]int{},
		until:    map[string]time.Time{},
	}
}

// acquire reserves the origin's prompt slot. The returned release records
// the outcome (a refusal counts towards the cool-down, a success resets
// it) and frees the slot.
func (g *gate) acquire(origin string) (release func(err error), err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t, ok := g.until[origin]; ok {
		if g.now().Before(t) {
			return nil, fmt.Errorf("%w: cool-down after %d refusals, until %s", ErrBusy, g.maxRefus, t.Format(time.RFC3339))
		}
		delete(g.until, origin)
	}
	if g.pending[origin] {
		return nil, fmt.Errorf("%w: a prompt is already pending for %s", ErrBusy, origin)
	}
	g.pending[origin] = true
	var once sync.Once
	return func(err error) {
		once.Do(func() { g.release(origin, err) })
	}, nil
}

func (g *gate) release(origin string, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.pending, origin)
	switch {
	case err == nil:
		delete(g.refusals, origin)
	case errors.Is(err, ErrCancelled):
		g.refusals[origin]++
		if g.refusals[origin] >= g.maxRefus {
			delete(g.refusals, origin)
			g.until[origin] = g.now().Add(g.cooldown)
		}
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
