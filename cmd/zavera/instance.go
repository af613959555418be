package main

// A second `zavera serve` does not start a second server: it finds the
// running agent on a port of its range (ports.go) and asks it, over a local
// channel, to bring its main window forward. The channel is a Unix socket
// in the state folder (instance_unix.go) or, on Windows, a named pipe
// (instance_windows.go). Pages cannot reach either; the channel is the
// user's alone (a 0600 socket in the user's state folder, a pipe whose
// DACL admits only the user and SYSTEM) and the server checks the peer's
// user where the system tells it (the uid on Linux, the client process's
// token user on Windows). Its only command shows a window: nothing on it
// reads or signs anything.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// instanceSocket names the running agent's local channel, in the state
// folder: the socket's file on Unix; on Windows the pipe's name is made
// from the user and this path.
const instanceSocket = "agent.sock"

// Commands and answers on the channel, one short line each.
const (
	instanceShow     = "show"
	instanceShown    = "shown"    // the main window is opened or raised
	instanceHeadless = "headless" // the agent asks on a terminal: no window
	maxInstanceLine  = 64
	instanceTimeout  = 3 * time.Second
)

// Errors of the second-instance check.
var (
	// errPortTaken is the port held by a program that is not Zavera.
	errPortTaken = errors.New("the port is taken by another program, not Zavera")
	// errNoChannel is a running agent whose local channel does not answer.
	errNoChannel = errors.New("the running agent's local channel does not answer")
)

// askShow asks the agent whose channel is at path to show its window and
// returns its answer.
func askShow(path string) (string, error) {
	c, err := dialChannel(path, instanceTimeout)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errNoChannel, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(instanceTimeout))
	if _, err := io.WriteString(c, instanceShow+"\n"); err != nil {
		return "", fmt.Errorf("%w: %w", errNoChannel, err)
	}
	line, err := readInstanceLine(c)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errNoChannel, err)
	}
	return line, nil
}

// readInstanceLine reads one line of at most maxInstanceLine bytes.
func readInstanceLine(r io.Reader) (string, error) {
	line, err := bufio.NewReaderSize(io.LimitReader(r, maxInstanceLine+1), 16).ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("reading a line: %w", err)
	}
	return strings.TrimSuffix(line, "\n"), nil
}

// instanceServer is the running agent's end of the channel.
type instanceServer struct {
	ln   net.Listener
	path string
	show func() string
	log  *slog.Logger
	wg   sync.WaitGroup
}

// listenInstance opens the channel at path (see listenChannel).
func listenInstance(path string, show func() string, log *slog.Logger) (*instanceServer, error) {
	ln, err := listenChannel(path)
	if err != nil {
		return nil, err
	}
	s := &instanceServer{ln: ln, path: path, show: show, log: log}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

func (s *instanceServer) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(c)
		}()
	}
}

func (s *instanceServer) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(instanceTimeout))
	if err := samePeer(c); err != nil {
		s.log.Warn("local channel: connection refused", "err", err)
		return
	}
	line, err := readInstanceLine(c)
	if err != nil {
		return
	}
	if line != instanceShow {
		io.WriteString(c, "unknown\n")
		return
	}
	s.log.Info("another start of Zavera asked for the window")
	io.WriteString(c, s.show()+"\n")
}

// Close stops the channel and removes the socket.
func (s *instanceServer) Close() {
	if s == nil {
		return
	}
	s.ln.Close()
	s.wg.Wait()
	removeChannel(s.path)
}

// alreadyRunning asks this user's Zavera, found answering on port, to
// show its window, says so on stdout and returns the exit code, 0.
func alreadyRunning(port int, stateDir string, stdout io.Writer) int {
	answer, err := askShow(filepath.Join(stateDir, instanceSocket))
	switch {
	case err != nil:
		fmt.Fprintf(stdout, "zavera: Zavera is already running on port %d (its window could not be shown: %v)\n", port, err)
	case answer == instanceHeadless:
		fmt.Fprintf(stdout, "zavera: Zavera is already running on port %d; it asks on its terminal and has no window to show\n", port)
	case answer == instanceShown:
		fmt.Fprintf(stdout, "zavera: Zavera is already running on port %d; its window is brought forward\n", port)
	default:
		fmt.Fprintf(stdout, "zavera: Zavera is already running on port %d (it answered %q)\n", port, answer)
	}
	return 0
}
