// Package wire is the exchange between the agent and the process that
// shows Zavera's windows (`zavera-ui prompt`): one Request as JSON on the
// window process's standard input, and Replies on its standard output.
//
// # Format
//
// The request is one JSON object (at most MaxRequest bytes; unknown
// members are refused). Each reply is one line of JSON; a reply that
// carries a PIN gives its length in PINLength and is followed at once by
// that many raw bytes. The PIN is never in the JSON, so that it never sits
// in a JSON decoder's buffers; ReplyReader reads a byte at a time and
// wipes what it read.
//
// A progress request (KindProgress) is followed on the same input by
// Update lines, one JSON object each (at most MaxUpdate bytes), until the
// one with Finished set; the window answers Cancel when the user stops
// the batch, and Dismissed when it closes after the end.
//
// # Ownership
//
// The PIN slice a ReplyReader returns belongs to the caller, who wipes it.
// The package keeps no state between calls and has no goroutines.
package wire
