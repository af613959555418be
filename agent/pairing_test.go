package agent

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSiteOf(t *testing.T) {
	for origin, want := range map[string]string{
		"https://evil.example":             "evil.example",
		"https://a.b.evil.example:8443":    "evil.example",
		"http://evil.example":              "evil.example",
		"https://www.gosuslugi.ru":         "gosuslugi.ru",
		"https://esia.gosuslugi.ru":        "gosuslugi.ru",
		"https://portal.example.co.uk":     "example.co.uk",
		"https://alice.github.io":          "alice.github.io", // a private suffix counts as public
		"https://bob.github.io":            "bob.github.io",
		"https://github.io":                "github.io",
		"https://co.uk":                    "co.uk",
		"https://localhost:8080":           "localhost",
		"http://127.0.0.1:8080":            "127.0.0.1",
		"https://[::1]:8443":               "::1",
		"https://a.evil.example.":          "evil.example",
		"https://xn--80ajghhoc.xn--p1ai":   "xn--80ajghhoc.xn--p1ai",
		"https://x.xn--80ajghhoc.xn--p1ai": "xn--80ajghhoc.xn--p1ai",
	} {
		if got := siteOf(origin); got != want {
			t.Errorf("siteOf(%q) = %q, want %q", origin, got, want)
		}
	}
}

// A turn whose request ends while it waits for the screen leaves the
// queue, or, when it was handed the screen meanwhile, passes it on; the
// refusal count of its site is untouched either way.
func TestPairingScreenHandOver(t *testing.T) {
	l := DefaultLimits
	l.CancelsBeforeCooldown = 2
	p := newPairingGate(l, time.Now)
	first, err := p.acquire(context.Background(), "https://one.example")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	gave := make(chan error, 1)
	go func() {
		_, err := p.acquire(ctx, "https://two.example")
		gave <- err
	}()
	third := make(chan *pairingTurn, 1)
	go func() {
		for {
			p.mu.Lock()
			n := len(p.queue)
			p.mu.Unlock()
			if n == 1 {
				break
			}
			time.Sleep(time.Millisecond)
		}
		turn, err := p.acquire(context.Background(), "https://three.example")
		if err != nil {
			t.Error(err)
		}
		third <- turn
	}()
	for {
		p.mu.Lock()
		n := len(p.queue)
		p.mu.Unlock()
		if n == 2 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-gave; !errors.Is(err, ErrCancelled) {
		t.Fatalf("cancelled waiter: %v", err)
	}
	first.release(nil)
	turn := <-third
	if err := turn.charge(); err != nil {
		t.Fatal(err)
	}
	turn.release(ErrCancelled)
	p.mu.Lock()
	busy, queued := p.busy, len(p.queue)
	p.mu.Unlock()
	if busy || queued != 0 {
		t.Fatalf("screen busy %v, %d waiting after every turn ended", busy, queued)
	}
	// Giving up while waiting did not count as a refusal of two.example:
	// one more refusal does not start its cool-down.
	turn, err = p.acquire(context.Background(), "https://two.example")
	if err != nil {
		t.Fatal(err)
	}
	turn.release(ErrCancelled)
	if turn, err = p.acquire(context.Background(), "https://two.example"); err != nil {
		t.Fatalf("cool-down after one refusal: %v", err)
	}
	turn.release(nil)
}
