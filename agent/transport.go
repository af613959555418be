package agent

// A transport carries one page session's messages: the websocket
// (transport_ws.go) or a session of the local channel that the native
// messaging host relays (transport_local.go). The session (conn) owns the
// protocol, the origin policy, the consent, the journal and the limits
// that are not about bytes on a wire; the transport reads each message
// into a buffer reserved from the server's budget within the limit that
// conn.messageLimit gives at the moment the message starts, writes
// messages one at a time, and ends the session with a close status.
//
// Threading: next and ended are called by the session's read loop only;
// send, close and stopReading from any goroutine.
type transport interface {
	// start begins the transport's own work for c (keep-alives).
	start(c *conn)
	// next reads the next message. errNotText is a message refused that
	// ends nothing; errTooBig and errNoRoom end the session, as does any
	// other error.
	next(c *conn) (*inMessage, error)
	// ended logs why the read loop ended and sends the close status that
	// the error calls for (CloseTooBig, CloseTryLater).
	ended(c *conn, err error)
	// send writes one message.
	send(data []byte) error
	// close sends a close status to the page.
	close(code int, reason string)
	// stopReading makes a read under way return at once.
	stopReading()
	// shutdown frees the transport once the session has ended.
	shutdown()
}

// The statuses a session ends with, on either transport: the websocket
// close codes (RFC 6455), which the native messaging host passes on to
// the extension as they are.
const (
	CloseGoingAway = 1001 // the agent is stopping
	ClosePolicy    = 1008 // a message too slow, idle before approval
	CloseTooBig    = 1009 // a message over the limit in force
	CloseTryLater  = 1013 // no room for the message in the memory budget
)
