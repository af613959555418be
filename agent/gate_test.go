package agent

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The origin's slot is held by one request at a time, and every waiter
// that is not cancelled gets it in the end: waiters that give up while
// being woken pass the wake-up on instead of losing it.
func TestGateSlotUnderLoad(t *testing.T) {
	g := newGate(Limits{MaxInFlight: 1000, PromptTimeout: Duration(time.Minute), CancelsBeforeCooldown: 1 << 30, Cooldown: Duration(time.Second)}, time.Now)
	var holders, most, got, gaveUp atomic.Int32
	var wg sync.WaitGroup
	for i := range 400 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			if i%3 == 0 { // some give up at a random moment
				c, cancel := context.WithTimeout(ctx, time.Duration(rand.IntN(2000))*time.Microsecond)
				defer cancel()
				ctx = c
			}
			release, err := g.acquire(ctx, "https://portal.example")
			if err != nil {
				gaveUp.Add(1)
				return
			}
			n := holders.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(time.Duration(rand.IntN(50)) * time.Microsecond)
			holders.Add(-1)
			got.Add(1)
			release(nil)
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("waiters stuck: %d got the slot, %d gave up, of 400", got.Load(), gaveUp.Load())
	}
	if most.Load() != 1 {
		t.Fatalf("%d requests held the slot at once", most.Load())
	}
	if got.Load()+gaveUp.Load() != 400 || got.Load() < 266 {
		t.Fatalf("%d got the slot, %d gave up", got.Load(), gaveUp.Load())
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.origins) != 0 {
		t.Fatalf("origin state left behind: %+v", g.origins["https://portal.example"])
	}
}

// A waiter woken by a release at the moment its request is cancelled
// passes the wake-up to the next waiter.
func TestGateCancelledWaiterPassesTheSlotOn(t *testing.T) {
	g := newGate(Limits{MaxInFlight: 10, PromptTimeout: Duration(time.Minute), CancelsBeforeCooldown: 1 << 30}, time.Now)
	const origin = "https://portal.example"
	queued := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); ; {
			g.mu.Lock()
			q := len(g.origins[origin].queue)
			g.mu.Unlock()
			if q == n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d waiters queued, want %d", q, n)
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	for range 20 {
		releaseA, err := g.acquire(context.Background(), origin)
		if err != nil {
			t.Fatal(err)
		}
		ctxB, cancelB := context.WithCancel(context.Background())
		errB := make(chan error, 1)
		go func() {
			rel, err := g.acquire(ctxB, origin)
			if err == nil {
				rel(nil)
			}
			errB <- err
		}()
		queued(1)
		gotC := make(chan func(error), 1)
		go func() {
			rel, err := g.acquire(context.Background(), origin)
			if err != nil {
				t.Error(err)
			}
			gotC <- rel
		}()
		queued(2)
		cancelB()
		releaseA(nil)
		<-errB
		select {
		case rel := <-gotC:
			rel(nil)
		case <-time.After(5 * time.Second):
			t.Fatal("the slot is free and the next waiter was never woken")
		}
	}
}
