package prompter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/zavera/zavera/internal/childproc"
	"github.com/zavera/zavera/ui/wire"
)

// proc is a running window process.
type proc struct {
	cmd     *exec.Cmd
	in, out *os.File // our ends of its input and output
	exited  chan struct{}
	closeIn sync.Once
}

// launch starts cmd with plain pipes, not exec's: the process's ends go to
// it directly and Wait never closes ours, so that reaping and reading do
// not race. On Windows it starts without a console window.
func (p *Prompter) launch(cmd *exec.Cmd) (*proc, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, p.o.Stderr
	childproc.NoConsole(cmd)
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, err
	}
	pr := &proc{cmd: cmd, in: inW, out: outR, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(pr.exited)
	}()
	return pr, nil
}

// closeInput tells the window to refuse and go (a spare: to exit).
func (pr *proc) closeInput() { pr.closeIn.Do(func() { pr.in.Close() }) }

// alive reports whether the process still runs.
func (pr *proc) alive() bool {
	select {
	case <-pr.exited:
		return false
	default:
		return true
	}
}

// stop closes the input and waits for the process, killing it if it has
// not gone after killAfter.
func (pr *proc) stop(killAfter time.Duration) {
	pr.closeInput()
	select {
	case <-pr.exited:
	case <-time.After(killAfter):
		pr.cmd.Process.Kill()
		<-pr.exited
	}
	pr.out.Close()
}

// show runs one window for req and returns its answer and the PIN it
// carried, if any (the caller wipes it). It waits its turn first, and
// uses the spare window process when one is ready.
func (p *Prompter) show(ctx context.Context, req *wire.Request) (wire.Reply, []byte, error) {
	select {
	case p.turn <- struct{}{}:
	case <-ctx.Done():
		return wire.Reply{}, nil, ctx.Err()
	}
	defer func() { <-p.turn }()
	if err := ctx.Err(); err != nil {
		return wire.Reply{}, nil, err
	}
	req.Lang = string(p.o.Lang)
	fail := func(err error) (wire.Reply, []byte, error) {
		p.o.Log.Error("window failed", "kind", req.Kind, "err", err)
		return wire.Reply{}, nil, fmt.Errorf("%w: %w", ErrWindow, err)
	}

	start := p.o.Now()
	defer p.startSpare()
	pr := p.takeSpare()
	if pr == nil {
		var err error
		if pr, err = p.launch(p.o.Command()); err != nil {
			return fail(err)
		}
	}
	defer pr.stop(p.o.KillAfter)
	// When the context ends, the window is told to go, and killed if it
	// does not.
	stop := context.AfterFunc(ctx, func() {
		pr.closeInput()
		select {
		case <-pr.exited:
		case <-time.After(p.o.KillAfter):
			pr.cmd.Process.Kill()
		}
	})
	defer stop()

	if err := wire.WriteRequest(pr.in, req); err != nil {
		return fail(err)
	}
	rr := wire.NewReplyReader(pr.out)
	for {
		reply, pin, err := rr.Next()
		if ctx.Err() != nil {
			wipe(pin)
			return wire.Reply{}, nil, ctx.Err()
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("the window process exited without an answer")
			}
			return fail(err)
		}
		if reply.Event == wire.Shown {
			if p.o.Shown != nil {
				p.o.Shown(req.Kind, p.o.Now().Sub(start))
			}
			continue
		}
		return reply, pin, nil
	}
}

// takeSpare returns the spare window process if it still runs.
func (p *Prompter) takeSpare() *proc {
	p.mu.Lock()
	pr := p.spare
	p.spare = nil
	if p.spareTimer != nil {
		p.spareTimer.Stop()
	}
	p.mu.Unlock()
	if pr != nil && !pr.alive() {
		pr.out.Close()
		return nil
	}
	return pr
}

// startSpare starts a spare window process for the next prompt, kept for
// Options.SpareFor.
func (p *Prompter) startSpare() {
	if p.o.Spare == nil || p.o.SpareFor <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.spare != nil || p.closed {
		return
	}
	pr, err := p.launch(p.o.Spare())
	if err != nil {
		p.o.Log.Warn("spare window process not started", "err", err)
		return
	}
	p.spare = pr
	p.spareTimer = time.AfterFunc(p.o.SpareFor, func() {
		p.mu.Lock()
		mine := p.spare == pr
		if mine {
			p.spare = nil
		}
		p.mu.Unlock()
		if mine {
			pr.stop(p.o.KillAfter)
		}
	})
}

// Close ends the spare window process, if any. Prompts still work after
// Close, without spares.
func (p *Prompter) Close() {
	p.mu.Lock()
	p.closed = true
	pr := p.spare
	p.spare = nil
	if p.spareTimer != nil {
		p.spareTimer.Stop()
	}
	p.mu.Unlock()
	if pr != nil {
		pr.stop(p.o.KillAfter)
	}
}
