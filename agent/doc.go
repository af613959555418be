// Package agent is Zavera's signing agent: the JSON-RPC 2.0 protocol
// that portal pages speak (docs/protocol.md), the origin policy, the
// consent flow and the journal of what was signed, served over a loopback
// websocket and over the local channel of the browser extension's native
// messaging host (docs/extension.md).
//
// # Sessions and transports
//
// A page session (conn.go) holds everything the protocol decides: the
// methods, the origin and its approval, prompts, limits and the journal.
// What carries its messages is a transport (transport.go): the websocket
// (transport_ws.go; Serve) or a session of the local channel
// (transport_local.go; ServeLocal), a Unix socket in the state folder to
// which the host relays each page of the extension with the origin the
// browser gave it (framing in package agent/localchan). A transport reads
// each message into the budget within the limit the session gives when
// the message starts, writes messages, and ends the session with a close
// status (CloseGoingAway, ClosePolicy, CloseTooBig, CloseTryLater);
// everything else behaves the same on both.
//
// # Wiring
//
// New takes a TokenSource (the tokens: PKCS#11 joined with the user's key
// files and CryptoPro containers in the product, software keys in tests
// and in `zavera serve --key`) and a Prompter (the user:
// the desktop window, the terminal of package agent/terminal, fakes in
// tests). The agent reaches tokens and the user only through these two
// interfaces, and never serves files or scripts to pages. A Prompter that
// also implements ProgressPrompter shows each batch's progress to the user
// once the first document is signed, and its Cancel stops the batch as
// the page's cancel does.
//
// Subpackages hold the implementations: p11source (PKCS#11 tokens through
// package pkcs11), keysource (key files and CryptoPro containers, their
// password asked as a PIN), multisource (several sources as one),
// softtoken (a key and certificate in files, without password), terminal
// (prompts on the controlling terminal), journal (the signing journal),
// localtls (the loopback certificate for wss), peer (the user owning the
// other end of a loopback connection or of a Unix socket), localchan (the
// local channel's framing) and scripted (an approving prompter that
// exists only in builds tagged zavera_script).
//
// # Security rules
//
//   - The server serves only processes of its own user: before anything
//     of a request is read, Options.PeerCheck (peer.Check by default)
//     finds the owner of the connecting socket; any other user's process,
//     or one whose owner cannot be told, gets the websocket closed at once
//     with ClosePeerRefused (4403), so that its page moves on to the next
//     port of the range (PortRange) where its own user's agent listens.
//   - The local channel (ServeLocal) is a Unix socket that only the
//     user can open (0600 in the user's state folder); on Linux each
//     connection's peer uid is checked as well (peer.CheckUnix). The
//     origin its open frame names passes the same origin policy as an
//     Origin header, and the session counts as a connection of that
//     origin.
//   - The server listens on loopback addresses only (Serve refuses
//     others). The Host header must be 127.0.0.1, [::1] or localhost with
//     the port the connection arrived on, which defeats DNS rebinding.
//   - The Origin header is required; only https origins and the
//     configuration's development origins connect. Before the user
//     approves an origin (method pair, with a pairing code shown both by
//     the page and in the prompt) a page can call only hello, pair and
//     cancel: it learns nothing, not even the token list. Origins in
//     Config.Origins are approved in advance; approvals are remembered in
//     the state folder and can be revoked (Approvals.Revoke).
//   - A login signature (signChallenge) carries the login content type of
//     package login, which sign and signBatch never write; they refuse data
//     that starts with login.Prefix. cosign adds a signer only to an
//     id-data signature, refuses content that starts with login.Prefix
//     and signs id-data; no method takes signed attributes from the page.
//   - signHash makes a bare signature over a page's hash, which can stand
//     for any signature (a login's included): only origins in
//     Config.RawSignOrigins may call it, a list that only the machine-wide
//     configuration may set (ApplyPolicy), and its confirmation says that
//     the site can use the signature for any purpose. verify and the
//     hashing methods (hashStart, hashUpdate, hashFinish, inline so that
//     updates apply in order) use no key, ask nothing and serve approved
//     origins only; a connection holds at most maxHashStates hashes,
//     freed when it ends.
//   - Uploads (upload.go: documentOpen, documentChunk, documentCancel)
//     stream a document of any size in base64 chunks that the agent
//     hashes as they arrive, keeping only the start for the preview;
//     sign and signBatch then name the complete upload. They serve
//     approved origins only, ask nothing (the user is asked when a
//     signing request names the document, after all of it was hashed),
//     refuse chunks out of order, repeated, oversized, past the declared
//     size or after the end, and are freed by documentCancel or the end of
//     the connection.
//   - Every signature, batch and login is confirmed by the user with the
//     origin, the description, the files and the certificate. The PIN is
//     asked by the Prompter, handed to the TokenSource and wiped; it never
//     crosses the websocket and is never logged.
//   - Limits (Config.Limits): message size, small before approval and
//     enforced while the message arrives (larger messages close the
//     connection with status 1009), a memory budget for the messages of
//     all connections (1013), a time limit per message and an idle limit
//     before approval (1008), connections with a share per origin
//     (slots.go), requests in flight per connection, documents per batch, one prompt per origin at a time
//     (its other requests wait, a bounded number of them), a cool-down
//     after repeated refusals, a timeout on every prompt. Pairing prompts
//     go one at a time across sites, with the cool-down per site (the
//     registrable domain) and a budget per minute that one site cannot
//     use up (pairingGate).
//   - Pages see a small stable set of error codes (Code); details go to
//     the log only. CodeOf is the one place where errors become codes.
//   - Every consent, signature and refusal the user made is appended to
//     the journal (package agent/journal), synced to disk before the page
//     gets its answer. A signature whose record cannot be written is not
//     returned. A signing request refused before any prompt was shown (a
//     limit, a cool-down, a full queue) is only counted, per origin and
//     reason, and the journal writes the counts once a minute.
//
// # Threading and ownership
//
// A Server is safe for concurrent use. Each connection has one reading
// goroutine; each request except the quick inline ones (hello, cancel,
// info, subscribe) runs in its own goroutine and is cancelled when the
// page cancels it or goes away, which also ends its prompts. Writes to a
// connection are serialised. TokenSource and Prompter implementations are
// called from many goroutines at once. A Key returned by OpenKey is used by
// one request only and closed by it.
//
// Each message is read into a buffer of its own, reserved from the
// server's memory budget (budget.go), and a request keeps slices of it
// (params, a document's data, decoded in place): the buffer belongs to the
// request until it is answered, then goes back to the budget. Methods must
// not keep slices of their params after they return.
//
// An upload's chunks are read and checked in the read loop, in order,
// then hashed by the upload's own goroutine, which answers each chunk
// and only then releases its message; at most hashQueue chunks wait for
// it, and the read loop waits beyond that.
//
// # Diagnostics
//
// Probe connects to a running agent as a page would, without approval,
// and returns its protocol version: diagnostics use it to tell whether the
// port answers and whether Zavera is what answers.
//
// # TLS
//
// With Options.TLS set, one port serves both ws:// and wss://: the first
// byte of each connection tells a TLS handshake (0x16) from an HTTP
// request.
package agent
