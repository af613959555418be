package prompter

import (
	"context"
	"errors"
	"io"
	"os"
	"sync"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/ui/wire"
)

// BatchProgress implements agent.ProgressPrompter: the batch's documents,
// a bar and Cancel in a window process of its own, beside the prompts
// (it does not take their turn, so that a notice or another site's
// question shows while the batch runs). The view works, without a
// window, when the window process cannot start.
func (p *Prompter) BatchProgress(ctx context.Context, r agent.SigningRequest) agent.BatchView {
	var tok TokenInfo
	if p.o.Token != nil && r.Certificate != nil {
		tok = p.o.Token(r.Certificate)
	}
	req := &wire.Request{Kind: wire.KindProgress, Origin: r.Origin, Lang: string(p.o.Lang),
		Signing: signing(agent.SignBatch, r.Description, r.Files, r.Count, r.Certificate, tok.Label)}
	v := &progressView{p: p, cancelled: make(chan struct{}), kick: make(chan struct{}, 1), finish: make(chan struct{})}
	go v.run(ctx, req)
	return v
}

// progressView is the agent's end of a progress window. Update and Finish
// only record the state and wake the goroutine that writes to the window,
// so that a slow window never holds the batch back.
type progressView struct {
	p          *Prompter
	cancelled  chan struct{}
	cancelOnce sync.Once
	kick       chan struct{} // an update is waiting
	finish     chan struct{}
	finishOnce sync.Once

	mu    sync.Mutex
	state wire.Update
}

func (v *progressView) Update(done, failed int) {
	v.mu.Lock()
	v.state.Done, v.state.Failed = done, failed
	v.mu.Unlock()
	select {
	case v.kick <- struct{}{}:
	default:
	}
}

func (v *progressView) Cancelled() <-chan struct{} { return v.cancelled }

func (v *progressView) Finish() { v.finishOnce.Do(func() { close(v.finish) }) }

func (v *progressView) current() wire.Update {
	v.mu.Lock()
	defer v.mu.Unlock()
	u := v.state
	u.Done = min(max(u.Done, 0), wire.MaxFiles)
	u.Failed = min(max(u.Failed, 0), u.Done)
	return u
}

// run shows the window and feeds it until the batch is finished, then
// leaves it up for Options.ProgressLinger (less if the user closes it).
func (v *progressView) run(ctx context.Context, req *wire.Request) {
	p := v.p
	start := p.o.Now()
	pr := p.takeSpare()
	if pr == nil {
		var err error
		if pr, err = p.launch(p.o.Command()); err != nil {
			p.o.Log.Error("progress window not started", "err", err)
			return
		}
	}
	defer pr.stop(p.o.KillAfter)
	if err := wire.WriteRequest(pr.in, req); err != nil {
		p.o.Log.Error("progress window failed", "err", err)
		return
	}
	go v.read(pr, start)
	for {
		select {
		case <-v.kick:
			if wire.WriteUpdate(pr.in, v.current()) != nil {
				return
			}
			continue
		case <-v.finish:
		case <-ctx.Done():
		case <-pr.exited:
			return
		}
		break
	}
	u := v.current()
	u.Finished = true
	if wire.WriteUpdate(pr.in, u) != nil {
		return
	}
	select {
	case <-pr.exited:
	case <-time.After(p.o.ProgressLinger):
	}
}

// read hears the window: shown, and the user's Cancel.
func (v *progressView) read(pr *proc, start time.Time) {
	rr := wire.NewReplyReader(pr.out)
	for {
		r, pin, err := rr.Next()
		wipe(pin)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrClosed) {
				v.p.o.Log.Warn("progress window", "err", err)
			}
			return
		}
		switch {
		case r.Event == wire.Shown:
			if v.p.o.Shown != nil {
				v.p.o.Shown(wire.KindProgress, v.p.o.Now().Sub(start))
			}
		case r.Answer == wire.Cancel:
			v.cancelOnce.Do(func() { close(v.cancelled) })
		}
	}
}

var _ agent.ProgressPrompter = (*Prompter)(nil)
