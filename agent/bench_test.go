package agent_test

import (
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/gorilla/websocket"
)

// BenchmarkSignRoundTrip is one sign request at a time over a websocket,
// with a software ECDSA key: the agent's own cost per signature (parsing,
// prompt gate, CAdES, journal with fsync, the answer).
func BenchmarkSignRoundTrip(b *testing.B) {
	benchSign(b, 1)
}

// BenchmarkSignInFlight keeps 16 requests in flight on one connection.
func BenchmarkSignInFlight(b *testing.B) {
	benchSign(b, 16)
}

func benchSign(b *testing.B, inflight int) {
	t := &testing.T{}
	p := getPKI(t)
	ts := startServerB(b, newFakeSource(p.ecdsa), newFakePrompter())
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+ts.addr+"/", http.Header{"Origin": {portalOrigin}})
	if err != nil {
		b.Fatal(err)
	}
	defer ws.Close()
	ws.WriteMessage(websocket.TextMessage, []byte(`{"jsonrpc":"2.0","id":0,"method":"hello","params":{"protocols":[1]}}`))
	ws.ReadMessage()
	h := sha256.Sum256([]byte("bench"))
	params, _ := json.Marshal(map[string]any{"certificate": certID(p.ecdsa.cert), "hash": h[:], "description": "bench"})
	req := func(id int) []byte {
		return []byte(`{"jsonrpc":"2.0","id":` + strconv.Itoa(id) + `,"method":"sign","params":` + string(params) + `}`)
	}
	b.ResetTimer()
	sent, got := 0, 0
	for sent < inflight && sent < b.N {
		sent++
		ws.WriteMessage(websocket.TextMessage, req(sent))
	}
	for got < b.N {
		_, data, err := ws.ReadMessage()
		if err != nil {
			b.Fatal(err)
		}
		var m message
		json.Unmarshal(data, &m)
		if m.Error != nil {
			b.Fatalf("error %+v", m.Error)
		}
		got++
		if sent < b.N {
			sent++
			ws.WriteMessage(websocket.TextMessage, req(sent))
		}
	}
}
