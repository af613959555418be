package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// ProbeOrigin is the Origin a probe presents: an https origin that no page
// can have, so the probe learns only what any page learns before approval.
const ProbeOrigin = "https://probe.zavera.invalid"

// ErrOtherUsersAgent is a Probe answered by an agent that serves another
// user of this computer: it closed with ClosePeerRefused.
var ErrOtherUsersAgent = errors.New("the agent there serves another user")

// Probe connects to an agent at url (ws://127.0.0.1:PORT/ or wss://...)
// the way a page does and returns the protocol version its hello
// answers: for diagnostics, to tell "nothing listens", "something else
// listens" and "Zavera answers" apart. dialer may be nil.
func Probe(ctx context.Context, url string, dialer *websocket.Dialer) (int, error) {
	if dialer == nil {
		dialer = &websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	}
	ws, resp, err := dialer.DialContext(ctx, url, http.Header{"Origin": {ProbeOrigin}})
	if err != nil {
		if resp != nil {
			return 0, fmt.Errorf("agent: probe %s: HTTP %d: %w", url, resp.StatusCode, err)
		}
		return 0, fmt.Errorf("agent: probe %s: %w", url, err)
	}
	defer ws.Close()
	if d, ok := ctx.Deadline(); ok {
		ws.SetReadDeadline(d)
		ws.SetWriteDeadline(d)
	} else {
		ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	}
	req := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"hello","params":{"protocols":[%d]}}`, ProtocolVersion)
	if err := ws.WriteMessage(websocket.TextMessage, []byte(req)); err != nil {
		return 0, fmt.Errorf("agent: probe %s: %w", url, err)
	}
	_, data, err := ws.ReadMessage()
	if websocket.IsCloseError(err, ClosePeerRefused) {
		return 0, fmt.Errorf("agent: probe %s: %w", url, ErrOtherUsersAgent)
	}
	if err != nil {
		return 0, fmt.Errorf("agent: probe %s: %w", url, err)
	}
	var m struct {
		Result *helloResult `json:"result"`
		Error  *errorObject `json:"error"`
	}
	if err := json.Unmarshal(data, &m); err != nil || (m.Result == nil && m.Error == nil) {
		return 0, fmt.Errorf("agent: probe %s: the answer is not Zavera's", url)
	}
	if m.Error != nil {
		return 0, fmt.Errorf("agent: probe %s: hello refused (%s)", url, m.Error.Data.Reason)
	}
	return m.Result.Protocol, nil
}
