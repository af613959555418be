package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// nmHost is a zavera-host child fed frames as a browser feeds them: a
// page session of the extension.
type nmHost struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
	buf []byte
}

// startHost starts the host for the agent whose state folder is
// stateDir: the host finds it through the user's configuration, which
// names that folder.
func startHost(hostBin, stateDir string) (*nmHost, error) {
	xdg := filepath.Join(stateDir, "xdg")
	if err := os.MkdirAll(filepath.Join(xdg, "zavera"), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(xdg, "zavera", "config.json"), []byte(`{"stateDir": "`+stateDir+`"}`), 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(hostBin, "chrome-extension://fefkbkfecildicniloojojbkcldheohj/")
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
	return &nmHost{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 64<<10)}, nil
}

func (h *nmHost) stop() {
	h.in.Close()
	h.cmd.Wait()
}

const nmSession = "1:0:1"

var nmHead = []byte(`{"session":"` + nmSession + `","origin":"` + origin + `","message":`)

// send writes one message as the extension frames it.
func (h *nmHost) send(msg []byte) error {
	n := len(nmHead) + len(msg) + 1
	b := h.buf[:0]
	b = binary.NativeEndian.AppendUint32(b, uint32(n))
	b = append(b, nmHead...)
	b = append(b, msg...)
	b = append(b, '}')
	h.buf = b
	_, err := h.in.Write(b)
	return err
}

// receive returns the next message of the session.
func (h *nmHost) receive() ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(h.out, n[:]); err != nil {
		return nil, err
	}
	data := make([]byte, binary.NativeEndian.Uint32(n[:]))
	if _, err := io.ReadFull(h.out, data); err != nil {
		return nil, err
	}
	msg, ok := bytes.CutPrefix(data, []byte(`{"session":"`+nmSession+`","message":`))
	if !ok || !bytes.HasSuffix(msg, []byte("}")) {
		return nil, fmt.Errorf("host: %.200s", data)
	}
	return msg[:len(msg)-1], nil
}
