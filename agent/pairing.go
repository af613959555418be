package agent

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/publicsuffix"
)

// pairingWindow is the span over which pairing prompts are counted
// against Limits.PairingPromptsPerMinute and PairingPromptsPerSite.
const pairingWindow = time.Minute

// errNoPrompt ends a site's turn without a prompt: it neither counts as a
// refusal towards the cool-down nor resets the count.
var errNoPrompt = errors.New("agent: no pairing prompt shown")

// pairingGate admits the pairing prompts of origins not yet approved.
//
//   - Per site (see siteOf: the registrable domain, so that the
//     subdomains of one domain count as one), through a gate of its own:
//     one pair request at a time, a bounded number waiting behind it
//     (Limits.PairingWaitingPerSite), and the cool-down after repeated
//     refusals (Limits.CancelsBeforeCooldown, Cooldown). One site's
//     cool-down does not touch any other site.
//   - Across sites: one pairing prompt on screen at a time. The requests
//     waiting for the screen are served oldest first, and each site has
//     at most one of them (it holds its site's slot), so a site waits
//     behind at most one prompt of each other site.
//   - A budget of prompts per minute for all sites together
//     (Limits.PairingPromptsPerMinute), of which one site may take only
//     its share (Limits.PairingPromptsPerSite, kept below the budget), so
//     that another site's pairing still gets a prompt.
//
// A pairingGate is safe for concurrent use.
type pairingGate struct {
	sites     *gate
	now       func() time.Time
	perMinute int
	perSite   int

	mu    sync.Mutex
	busy  bool            // a pairing turn holds the screen
	queue []chan struct{} // turns waiting for the screen, oldest first; closed to hand it over
	shown []shownPrompt   // prompts shown within pairingWindow, oldest first
}

type shownPrompt struct {
	site string
	at   time.Time
}

func newPairingGate(l Limits, now func() time.Time) *pairingGate {
	sites := newKeyGate(l, now)
	sites.maxWaiting = l.PairingWaitingPerSite
	perMinute, perSite := l.PairingPromptsPerMinute, l.PairingPromptsPerSite
	if perSite >= perMinute && perMinute > 1 {
		perSite = perMinute - 1
	}
	return &pairingGate{sites: sites, now: now, perMinute: perMinute, perSite: perSite}
}

// pairingTurn is one pair request's turn: its site's slot and the screen.
type pairingTurn struct {
	p           *pairingGate
	site        string
	releaseSite func(error)
	once        sync.Once
}

// acquire waits for the site's slot, then for the screen. It fails at
// once with ErrBusy during the site's cool-down, when too many requests
// of the site wait, or when the site's share or the budget of the minute
// is used up; with ErrCancelled when ctx ends first.
func (p *pairingGate) acquire(ctx context.Context, origin string) (*pairingTurn, error) {
	site := siteOf(origin)
	releaseSite, err := p.sites.acquire(ctx, site)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	err = p.budgetLocked(site)
	p.mu.Unlock()
	if err != nil {
		releaseSite(errNoPrompt)
		return nil, err
	}
	if err := p.waitScreen(ctx); err != nil {
		releaseSite(errNoPrompt)
		return nil, err
	}
	return &pairingTurn{p: p, site: site, releaseSite: releaseSite}, nil
}

// waitScreen takes the screen or waits until an earlier turn hands it
// over.
func (p *pairingGate) waitScreen(ctx context.Context) error {
	p.mu.Lock()
	if !p.busy {
		p.busy = true
		p.mu.Unlock()
		return nil
	}
	w := make(chan struct{})
	p.queue = append(p.queue, w)
	p.mu.Unlock()
	select {
	case <-w:
		return nil
	case <-ctx.Done():
		p.mu.Lock()
		defer p.mu.Unlock()
		for i, q := range p.queue {
			if q == w {
				p.queue = append(p.queue[:i], p.queue[i+1:]...)
				return fmt.Errorf("%w: while waiting for another pairing prompt: %v", ErrCancelled, ctx.Err())
			}
		}
		p.handOverLocked() // handed the screen meanwhile: pass it on
		return fmt.Errorf("%w: while waiting for another pairing prompt: %v", ErrCancelled, ctx.Err())
	}
}

// handOverLocked gives the screen to the oldest waiting turn, or frees it.
func (p *pairingGate) handOverLocked() {
	if len(p.queue) > 0 {
		close(p.queue[0])
		p.queue = p.queue[1:]
		return
	}
	p.busy = false
}

// budgetLocked returns ErrBusy when site may not show a prompt now: its
// share of the minute or the budget of all sites is used up.
func (p *pairingGate) budgetLocked(site string) error {
	cut := p.now().Add(-pairingWindow)
	i := 0
	for i < len(p.shown) && !p.shown[i].at.After(cut) {
		i++
	}
	p.shown = append(p.shown[:0], p.shown[i:]...)
	if len(p.shown) >= p.perMinute {
		return fmt.Errorf("%w: %d pairing prompts in the last minute", ErrBusy, len(p.shown))
	}
	n := 0
	for _, s := range p.shown {
		if s.site == site {
			n++
		}
	}
	if n >= p.perSite {
		return fmt.Errorf("%w: %d pairing prompts of %s in the last minute", ErrBusy, n, site)
	}
	return nil
}

// charge takes one prompt from the site's share and the budget, or
// returns ErrBusy when either is used up. Call it right before showing
// the prompt.
func (t *pairingTurn) charge() error {
	p := t.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.budgetLocked(t.site); err != nil {
		return err
	}
	p.shown = append(p.shown, shownPrompt{site: t.site, at: p.now()})
	return nil
}

// release ends the turn: it frees the screen and the site's slot and
// records the outcome as the prompt gate does (nil: approved, resets the
// refusals; ErrCancelled: a refusal towards the cool-down). It may be
// called more than once.
func (t *pairingTurn) release(err error) {
	t.once.Do(func() {
		t.p.mu.Lock()
		t.p.handOverLocked()
		t.p.mu.Unlock()
		t.releaseSite(err)
	})
}

// siteOf returns the site whose share and cool-down an origin's pairing
// counts against: the registrable domain of its host (the public suffix
// plus one label, with the private suffixes of the Public Suffix List such
// as github.io counting as public), so that a.evil.example and
// b.evil.example are one site while alice.github.io and bob.github.io are
// two. An IP address, a single label or a host that is itself a public
// suffix is its own site. Scheme and port do not matter.
func siteOf(origin string) string {
	host := origin
	if u, err := url.Parse(origin); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if _, err := netip.ParseAddr(host); err == nil {
		return host
	}
	if site, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return site
	}
	return host
}
