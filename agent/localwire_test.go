package agent_test

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/agent/localchan"
)

// pageWire is what a test page sends and reads messages over: a
// websocket, or localWire.
type pageWire interface {
	ReadMessage() (int, []byte, error)
	WriteMessage(kind int, data []byte) error
	Close() error
}

// The transports the method suite runs over.
const (
	overWebsocket = "websocket"
	overLocal     = "local"
)

// transportUnderTest is the transport dial uses; the suite sets it for
// the tests it runs (the package's tests do not run in parallel).
var transportUnderTest = overWebsocket

// useTransport makes dial use tr for the rest of t.
func useTransport(t *testing.T, tr string) {
	old := transportUnderTest
	transportUnderTest = tr
	t.Cleanup(func() { transportUnderTest = old })
}

// localWire is a session of the local channel as the native messaging
// host opens it. A close frame from the agent reads as a websocket
// close error with its status, so that tests check both alike.
type localWire struct {
	c *localchan.Conn
}

func dialLocal(sock, origin string) (*client, error) {
	lc, err := localchan.Dial(sock, origin, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return newClient(nil, &localWire{lc}), nil
}

func (w *localWire) ReadMessage() (int, []byte, error) {
	kind, size, err := w.c.ReadHeader()
	if err != nil {
		return 0, nil, err
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(w.c, b); err != nil {
		return 0, nil, err
	}
	switch kind {
	case localchan.KindMessage:
		return websocket.TextMessage, b, nil
	case localchan.KindClose:
		code, reason := localchan.ParseClose(b)
		return 0, nil, &websocket.CloseError{Code: code, Text: reason}
	}
	return 0, nil, fmt.Errorf("frame of kind %q", kind)
}

func (w *localWire) WriteMessage(_ int, data []byte) error {
	return w.c.WriteFrame(localchan.KindMessage, data, time.Now().Add(10*time.Second))
}

func (w *localWire) Close() error { return w.c.Close() }
