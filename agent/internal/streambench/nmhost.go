package main

import "github.com/zavera/zavera/internal/nmdriver"

// nmHost is a zavera-host child fed frames as a browser feeds them: a
// page session of the extension.
type nmHost struct{ *nmdriver.Host }

// startHost starts the host for the agent whose state folder is
// stateDir.
func startHost(hostBin, stateDir string) (*nmHost, error) {
	h, err := nmdriver.Start(hostBin, stateDir, origin)
	if err != nil {
		return nil, err
	}
	return &nmHost{h}, nil
}

func (h *nmHost) stop()                    { h.Stop() }
func (h *nmHost) send(msg []byte) error    { return h.Send(msg) }
func (h *nmHost) receive() ([]byte, error) { return h.Receive() }
