package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/agent"
)

// The flood: as many connections as a hostile page could open try to make
// the agent hold memory, while the approved page signs. Half send a
// message of the largest size; half start a message in fragments, as
// much as an origin not approved may send (3 KiB), never end it and
// answer pings meanwhile, then, when the agent has closed them, try
// again with fragments up to the largest size. Each comes from an origin
// of its own that is not approved (the most connections the agent lets
// such origins have), and each starts again a moment after the agent
// refuses or closes it, for as long as the flood lasts.
const (
	floodSenders   = 255
	floodHolders   = 255
	floodRetry     = time.Second
	floodFragment  = 64 << 10
	floodHeld      = 3 << 10
	floodRoundTrip = 1000
)

type floodResult struct {
	peakMB            float64
	idleP99, loadP99  time.Duration
	accepted, refused int64
	// agentCPU and floodCPU are the CPU time of the agent and of this
	// process (the flood and the page) during the flood over its wall
	// time (1 is one core busy).
	agentCPU, floodCPU float64
}

// flood starts a fresh agent, measures the approved page's round trip
// idle and then under the flood, and returns the agent's peak resident
// memory (VmHWM) over its whole life.
func flood(bin, cfg, module string, req func(int) []byte) (floodResult, error) {
	var r floodResult
	a, _, err := startAgent(bin, cfg, module)
	if err != nil {
		return r, err
	}
	defer a.stop()
	conn, err := a.dial()
	if err != nil {
		return r, err
	}
	defer conn.Close()
	if err := hello(conn); err != nil {
		return r, err
	}
	if _, err := roundTrips(conn, req, 200); err != nil { // warm-up
		return r, err
	}
	// Idle is measured before and after the flood, half each, so that
	// a passing moment of a busy machine weighs on both sides alike.
	idle, err := roundTrips(conn, req, floodRoundTrip/2)
	if err != nil {
		return r, err
	}

	size := int(agent.DefaultLimits.MaxMessageBytes)
	big := []byte(`{"jsonrpc":"2.0","id":1,"method":"pair","params":{"x":"` + strings.Repeat("A", size))
	big = append(big[:size-3], `"}}`...)
	var stop atomic.Bool
	var wg sync.WaitGroup
	for i := range floodSenders + floodHolders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			origin := "https://flood" + strconv.Itoa(i) + ".example"
			for n := 0; !stop.Load(); n++ {
				ok := attack(a.addr, origin, big, i >= floodSenders, n%2 == 0, &stop)
				if ok {
					atomic.AddInt64(&r.accepted, 1)
				} else {
					atomic.AddInt64(&r.refused, 1)
				}
				time.Sleep(floodRetry)
			}
		}()
	}
	time.Sleep(time.Second)
	cpu0, self0, t0 := cpuTime(a.cmd.Process.Pid), cpuTime(os.Getpid()), time.Now()
	load, err := roundTrips(conn, req, floodRoundTrip)
	wall := time.Since(t0).Seconds()
	r.agentCPU = (cpuTime(a.cmd.Process.Pid) - cpu0).Seconds() / wall
	r.floodCPU = (cpuTime(os.Getpid()) - self0).Seconds() / wall
	stop.Store(true)
	wg.Wait()
	if err != nil {
		return r, fmt.Errorf("the approved page during the flood: %w", err)
	}
	after, err := roundTrips(conn, req, floodRoundTrip/2)
	if err != nil {
		return r, err
	}
	r.idleP99, r.loadP99 = p99(append(idle, after...)), p99(load)
	r.peakMB, err = procStatusMB(a.cmd.Process.Pid, "VmHWM:")
	return r, err
}

// attack makes one connection and reports whether the agent accepted it.
// A sender writes a whole message of msg; a holder writes the start of it
// as a fragment of floodHeld bytes, or, not small, all of it but the
// last fragment, in fragments, then waits. Both wait until the agent
// closes the connection or the flood stops. Frames are written raw with a
// zero mask key, as a hostile client would, so that the load generator
// spends little on them.
func attack(addr, origin string, msg []byte, holder, small bool, stop *atomic.Bool) bool {
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	c, _, err := d.Dial("ws://"+addr+"/", http.Header{"Origin": {origin}})
	if err != nil {
		return false
	}
	defer c.Close()
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		for {
			if _, _, err := c.ReadMessage(); err != nil { // answers pings
				return
			}
		}
	}()
	nc := c.NetConn()
	switch {
	case holder && small:
		writeFrame(nc, 0x1, false, msg[:floodHeld])
	case holder:
		op := byte(0x1)
		for sent := 0; sent+floodFragment < len(msg); sent += floodFragment {
			if writeFrame(nc, op, false, msg[sent:sent+floodFragment]) != nil {
				break
			}
			op = 0x0
		}
	default:
		writeFrame(nc, 0x1, true, msg)
	}
	for {
		select {
		case <-closed:
			return true
		case <-time.After(100 * time.Millisecond):
			if stop.Load() {
				return true
			}
		}
	}
}

// writeFrame writes one masked client frame with a zero mask key.
func writeFrame(nc net.Conn, op byte, fin bool, payload []byte) error {
	if fin {
		op |= 0x80
	}
	h := []byte{op, 0x80 | 127}
	h = binary.BigEndian.AppendUint64(h, uint64(len(payload)))
	h = append(h, 0, 0, 0, 0)
	nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := nc.Write(h); err != nil {
		return err
	}
	_, err := nc.Write(payload)
	return err
}

// p99 returns the 99th percentile of lat.
func p99(lat []time.Duration) time.Duration {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat[len(lat)*99/100]
}

// roundTrips signs n times, one request at a time, and returns each
// round trip.
func roundTrips(conn *websocket.Conn, req func(int) []byte, n int) ([]time.Duration, error) {
	lat := make([]time.Duration, 0, n)
	for i := range n {
		t0 := time.Now()
		if err := conn.WriteMessage(websocket.TextMessage, req(5_000_000+i)); err != nil {
			return nil, err
		}
		if err := readOK(conn); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(t0))
	}
	return lat, nil
}

// procStatusMB returns a field of /proc/PID/status given in kB, in MB.
func procStatusMB(pid int, field string) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			if err != nil {
				return 0, err
			}
			return kb / 1024, nil
		}
	}
	return 0, errors.New("no " + field)
}

// cpuTime returns the user and system time of a process so far, from
// /proc/PID/stat (fields 14 and 15, in clock ticks of 1/100 s).
func cpuTime(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * 10 * time.Millisecond
}
