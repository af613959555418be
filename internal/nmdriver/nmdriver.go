// Package nmdriver drives a zavera-host child as a browser drives a
// native messaging host, for the benchmarks: one page session of the
// Zavera extension, its frames written to the host's stdin and read from
// its stdout (see docs/extension.md). It is not used by the product.
//
// A Host belongs to one goroutine.
package nmdriver

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/zavera/zavera/internal/browserext"
)

// session is the one page session a Host speaks for.
const session = "1:0:1"

// Host is a zavera-host child.
type Host struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Reader
	head []byte
	buf  []byte
}

// Start starts the host at hostBin for the agent whose state folder is
// stateDir (the host finds it through the user's configuration, which
// names that folder); its session's page has the given origin.
func Start(hostBin, stateDir, origin string) (*Host, error) {
	xdg := filepath.Join(stateDir, "xdg")
	if err := os.MkdirAll(filepath.Join(xdg, "zavera"), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(xdg, "zavera", "config.json"), []byte(`{"stateDir": "`+stateDir+`"}`), 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(hostBin, browserext.ChromiumOrigin)
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+xdg)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	head := []byte(`{"session":"` + session + `","origin":"` + origin + `","message":`)
	return &Host{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 64<<10), head: head}, nil
}

// Stop closes the host's stdin, as a browser closes the port, and waits
// for it to end.
func (h *Host) Stop() {
	h.in.Close()
	h.cmd.Wait()
}

// Send writes one JSON-RPC message as the extension frames it.
func (h *Host) Send(msg []byte) error {
	n := len(h.head) + len(msg) + 1
	b := h.buf[:0]
	b = binary.NativeEndian.AppendUint32(b, uint32(n))
	b = append(b, h.head...)
	b = append(b, msg...)
	b = append(b, '}')
	h.buf = b
	_, err := h.in.Write(b)
	return err
}

// Receive returns the next JSON-RPC message of the session, in a buffer
// of its own.
func (h *Host) Receive() ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(h.out, n[:]); err != nil {
		return nil, err
	}
	data := make([]byte, binary.NativeEndian.Uint32(n[:]))
	if _, err := io.ReadFull(h.out, data); err != nil {
		return nil, err
	}
	msg, ok := bytes.CutPrefix(data, []byte(`{"session":"`+session+`","message":`))
	if !ok || !bytes.HasSuffix(msg, []byte("}")) {
		return nil, fmt.Errorf("host: %.200s", data)
	}
	return msg[:len(msg)-1], nil
}
