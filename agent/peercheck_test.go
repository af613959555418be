package agent_test

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/peer"
)

// A peer the check refuses gets the websocket only to see it closed with
// ClosePeerRefused; nothing it sends is read, and the log says who it was.
func TestForeignPeerIsClosedWithItsCode(t *testing.T) {
	var checked []string
	ts := startServer(t, newFakeSource(), &fakePrompter{}, func(o *agent.Options) {
		o.PeerCheck = func(local, remote net.Addr) error {
			checked = append(checked, remote.String())
			return &peer.ForeignError{Owner: peer.User{ID: "4242"}, Self: peer.User{ID: "1000"}}
		}
	})
	c, _, err := dialRaw(ts.addr, portalOrigin, "")
	if err != nil {
		t.Fatalf("the upgrade must complete so that the page can tell the close code: %v", err)
	}
	defer c.ws.Close()
	c.ws.WriteMessage(websocket.TextMessage, []byte(`{"jsonrpc":"2.0","id":1,"method":"hello","params":{"protocols":[1]}}`))
	_, data, err := c.ws.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != agent.ClosePeerRefused {
		t.Fatalf("read %q, %v; want close %d", data, err, agent.ClosePeerRefused)
	}
	if len(checked) != 1 || !strings.HasPrefix(checked[0], "127.0.0.1:") {
		t.Fatalf("peer check saw %v", checked)
	}
	if log := ts.logText(); !strings.Contains(log, "another user") || !strings.Contains(log, "4242") {
		t.Fatalf("log does not name the refused user:\n%s", log)
	}
	// Plain HTTP from such a peer: 403, not the Host or Origin answer.
	resp, err := http.Get("http://" + ts.addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("plain HTTP: %d", resp.StatusCode)
	}
}

// A peer whose owner cannot be told is refused the same way.
func TestUnknownPeerIsRefused(t *testing.T) {
	ts := startServer(t, newFakeSource(), &fakePrompter{}, func(o *agent.Options) {
		o.PeerCheck = func(net.Addr, net.Addr) error { return peer.ErrNotFound }
	})
	c, _, err := dialRaw(ts.addr, portalOrigin, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.ws.Close()
	_, _, err = c.ws.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != agent.ClosePeerRefused {
		t.Fatalf("read: %v; want close %d", err, agent.ClosePeerRefused)
	}
	if !strings.Contains(ts.logText(), "owner of the connecting process is unknown") {
		t.Fatalf("log:\n%s", ts.logText())
	}
}
