package prompter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/zavera/zavera/ui/wire"
)

// show runs one window process for req and returns its answer and the PIN
// it carried, if any (the caller wipes it). It waits its turn first.
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
	// Plain pipes, not exec's: the process's end goes to it directly and
	// Wait never closes ours, so that reaping and reading do not race.
	inR, inW, err := os.Pipe()
	if err != nil {
		return fail(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return fail(err)
	}
	defer outR.Close()
	var closeIn sync.Once
	closeInput := func() { closeIn.Do(func() { inW.Close() }) }
	defer closeInput()

	cmd := p.o.Command()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, p.o.Stderr
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		return fail(err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	// Closing the input tells the window to refuse and go; a process that
	// has not gone KillAfter later is killed.
	finish := func() {
		closeInput()
		select {
		case <-exited:
		case <-time.After(p.o.KillAfter):
			cmd.Process.Kill()
			<-exited
		}
	}
	defer finish()
	stop := context.AfterFunc(ctx, func() {
		closeInput()
		select {
		case <-exited:
		case <-time.After(p.o.KillAfter):
			cmd.Process.Kill()
		}
	})
	defer stop()

	if err := wire.WriteRequest(inW, req); err != nil {
		return fail(err)
	}
	rr := wire.NewReplyReader(outR)
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
