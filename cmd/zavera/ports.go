package main

// Each user's agent listens on the first free port of a small range that
// starts at the configured port (agent.PortRange ports, 27413–27420 by
// default), so that several people logged in at once on one computer
// each have their own. Before `zavera serve` listens it looks at the
// whole range: its own user's Zavera on any port means "already
// running"; a port held by another user's process is named and skipped;
// a port held by another program of the same user stops it, as that is
// the user's to fix.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/peer"
)

// portUse is what holds a port of the range.
type portUse int

const (
	portFree         portUse = iota
	portZavera               // this user's Zavera answers
	portOwnProgram           // another program of this user
	portOtherUser            // a process of another user
	portUnknownOwner         // something whose owner cannot be told
)

// portStatus is one port of the range as `zavera serve` and `zavera
// doctor` see it.
type portStatus struct {
	Port int     `json:"port"`
	Use  portUse `json:"-"`
	// State is Use in words, for doctor's JSON.
	State string `json:"state"`
	// Owner names the other user holding the port.
	Owner string `json:"owner,omitempty"`
	Err   error  `json:"-"`
	Error string `json:"error,omitempty"`
}

var portStates = map[portUse]string{
	portFree: "free", portZavera: "zavera", portOwnProgram: "other program",
	portOtherUser: "other user", portUnknownOwner: "unknown owner",
}

// portRange lists the ports tried from first.
func portRange(first int) []int {
	var ps []int
	for p := first; p < first+agent.PortRange && p <= 65535; p++ {
		ps = append(ps, p)
	}
	return ps
}

// lookPort tells what holds 127.0.0.1:port: it connects, asks the
// operating system who owns the listening end, and for this user's own
// programs asks hello as a page does.
func lookPort(ctx context.Context, port int) (st portStatus) {
	st.Port = port
	defer func() {
		st.State = portStates[st.Use]
		if st.Err != nil {
			st.Error = st.Err.Error()
		}
	}()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	c, err := (&net.Dialer{Timeout: instanceTimeout}).DialContext(ctx, "tcp4", addr)
	if err != nil {
		st.Use = portFree
		return st
	}
	owner, oerr := peer.Owner(c.LocalAddr(), c.RemoteAddr())
	c.Close()
	me, serr := peer.Self()
	switch {
	case oerr == nil && serr == nil && owner.ID != me.ID:
		st.Use, st.Owner = portOtherUser, owner.String()
		return st
	case oerr != nil && !errors.Is(oerr, peer.ErrUnsupported):
		st.Use, st.Err = portUnknownOwner, oerr
		return st
	}
	// This user's, or a system where owners are not looked up: ask.
	pctx, cancel := context.WithTimeout(ctx, instanceTimeout)
	defer cancel()
	_, err = agent.Probe(pctx, "ws://"+addr+"/", nil)
	switch {
	case err == nil:
		st.Use = portZavera
	case errors.Is(err, agent.ErrOtherUsersAgent):
		st.Use, st.Err = portOtherUser, err
	default:
		st.Use, st.Err = portOwnProgram, fmt.Errorf("%w: %w", errPortTaken, err)
	}
	return st
}

// lookPorts looks at every port of the range from first.
func lookPorts(ctx context.Context, first int) []portStatus {
	var sts []portStatus
	for _, p := range portRange(first) {
		sts = append(sts, lookPort(ctx, p))
	}
	return sts
}

// choosePort picks the port `zavera serve` listens on, from first (0:
// any free port, chosen at listening). It returns done when the caller
// must exit with code: 0 when this user's Zavera already runs on a port
// of the range (it was asked to show its window), 1 when a program of
// this user holds a port before any free one, or no port is free.
func choosePort(first int, stateDir string, stdout, stderr io.Writer) (port, code int, done bool) {
	if first == 0 {
		return 0, 0, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sts := lookPorts(ctx, first)
	for _, st := range sts {
		if st.Use == portZavera {
			return 0, alreadyRunning(st.Port, stateDir, stdout), true
		}
	}
	for _, st := range sts {
		switch st.Use {
		case portFree:
			return st.Port, 0, false
		case portOwnProgram:
			fmt.Fprintf(stderr, "zavera serve: port %d: %v\nChoose another port (--port, or \"port\" in the configuration) or stop that program.\n", st.Port, st.Err)
			return 0, 1, true
		case portOtherUser:
			fmt.Fprintf(stderr, "zavera serve: port %d is held by a process of another user of this computer, %s; trying the next port\n", st.Port, otherUser(st))
		case portUnknownOwner:
			fmt.Fprintf(stderr, "zavera serve: port %d is held by a process whose owner cannot be told (%v); trying the next port\n", st.Port, st.Err)
		}
	}
	last := first + len(sts) - 1
	fmt.Fprintf(stderr, "zavera serve: no free port in %d-%d: other users' agents or other programs hold them all\n", first, last)
	return 0, 1, true
}

// otherUser names the other user, or says the agent there told.
func otherUser(st portStatus) string {
	if st.Owner != "" {
		return st.Owner
	}
	return "whose agent refused this user"
}
