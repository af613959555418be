package agent_test

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/internal/otheruser"
)

// peerClientEnv makes TestPeerClientProcess act as a page's process: it
// connects to the agent at that address and prints what came back.
const peerClientEnv = "ZAVERA_TEST_PEER_CLIENT"

// TestPeerClientProcess is the client process of
// TestOtherUserIsRefused, run as the other user; alone it does nothing.
func TestPeerClientProcess(t *testing.T) {
	addr := os.Getenv(peerClientEnv)
	if addr == "" {
		t.Skip("run by TestOtherUserIsRefused")
	}
	fmt.Println(peerClient(addr))
}

// peerClient says hello as a page and describes the outcome: "answer"
// when the agent answered, "close N" when it closed with code N.
func peerClient(addr string) string {
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	ws, resp, err := d.Dial("ws://"+addr+"/", http.Header{"Origin": {portalOrigin}})
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		return fmt.Sprintf("dial %v (HTTP %d)", err, status)
	}
	defer ws.Close()
	ws.WriteMessage(websocket.TextMessage, []byte(`{"jsonrpc":"2.0","id":1,"method":"hello","params":{"protocols":[1]}}`))
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, data, err := ws.ReadMessage()
	var ce *websocket.CloseError
	switch {
	case errors.As(err, &ce):
		return "close " + strconv.Itoa(ce.Code)
	case err != nil:
		return "read " + err.Error()
	case strings.Contains(string(data), `"protocol":1`):
		return "answer"
	}
	return "other " + string(data)
}

// A process of another Unix user, with a configured (pre-approved)
// Origin, gets no answer from this user's agent: the websocket closes
// with ClosePeerRefused before anything is read, and the agent logs the
// user's name. The same client run as this user is answered.
func TestOtherUserIsRefused(t *testing.T) {
	u := otheruser.Create(t)
	ts := startServer(t, newFakeSource(), &fakePrompter{})
	if got := peerClient(ts.addr); got != "answer" {
		t.Fatalf("this user's client: %s", got)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := u.Command(u.Share(t, exe), "-test.run=^TestPeerClientProcess$", "-test.count=1")
	cmd.Env = append(cmd.Env, peerClientEnv+"="+ts.addr)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("client as %s: %v\n%s", u.Name, err, out)
	}
	want := "close " + strconv.Itoa(agent.ClosePeerRefused)
	if !strings.Contains(string(out), want) {
		t.Fatalf("client as %s: want %q, got\n%s", u.Name, want, out)
	}
	log := ts.logText()
	if !strings.Contains(log, "refused connection: from a process of another user") || !strings.Contains(log, u.Name) {
		t.Fatalf("agent log does not name %s:\n%s", u.Name, log)
	}
}
