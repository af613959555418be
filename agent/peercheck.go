package agent

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/agent/peer"
)

// ClosePeerRefused is the websocket close code of a connection from a
// process that does not belong to the agent's user: the agent completes
// the upgrade only to close at once with this code, reading nothing, so
// that a page tells "another user's agent" (try the next port of the
// range) from "nothing here". Plain HTTP requests from such a process get
// 403.
const ClosePeerRefused = 4403

// closePeerReason is the close frame's text; pages match the code.
const closePeerReason = "this agent serves another user"

// refusePeer runs the peer check before anything of the request is
// looked at. It answers and returns true when the peer is refused: a
// process of another user, or one whose owner cannot be told.
func (s *Server) refusePeer(w http.ResponseWriter, r *http.Request) bool {
	local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	var remote net.Addr
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		remote = net.TCPAddrFromAddrPort(ap)
	}
	err := s.peerCheck(local, remote)
	if err == nil {
		return false
	}
	var fe *peer.ForeignError
	if errors.As(err, &fe) {
		s.log.Warn("refused connection: from a process of another user",
			"remote", r.RemoteAddr, "local", local, "user", fe.Owner.String(), "agentUser", fe.Self.String())
	} else {
		s.log.Warn("refused connection: the owner of the connecting process is unknown",
			"remote", r.RemoteAddr, "local", local, "err", err)
	}
	if !websocket.IsWebSocketUpgrade(r) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return true
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return true // the upgrader has answered
	}
	ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(ClosePeerRefused, closePeerReason),
		time.Now().Add(time.Second))
	ws.Close()
	return true
}
