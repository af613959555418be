// Package journal keeps Zavera's signing journal: an append-only file of
// JSON lines, one per consent, signature or refusal, that survives a crash
// and shows tampering.
//
// # Format
//
// Each line is a JSON object (Record). Its "hash" member, always last, is
// the lowercase hex SHA-256 of the line's own bytes without that member
// (the object closed right after "prev"); "prev" is the hash of the line
// before, 64 zeros for the first; "seq" counts from 1. Changing, removing,
// inserting or reordering lines breaks the chain, and Verify names the
// first broken line. Cutting lines off the end cannot be seen from the
// file alone: compare Head with a copy kept elsewhere for that.
//
// # Durability
//
// Append writes one line and calls fsync before it returns, so a record
// that Append acknowledged is on disk; concurrent appends share an fsync
// (group commit). Write and Sync split the two for a run of records that
// needs one fsync at its end, such as a batch of signatures. Expect
// announces a record that will be written (the agent announces one for
// every signing request in flight): a Sync that starts meanwhile waits
// for it, at most a millisecond and while fewer than eight records wait,
// so that signatures made at the same time share one fsync. A line half-written by a crash (no
// final newline) is cut off when the journal is opened again, and a record
// saying so is appended.
//
// # Concurrency and ownership
//
// A *Journal is safe for concurrent use; appends are serialised. Only one
// process may append to a file at a time: Open takes an advisory lock where
// the OS offers one.
package journal
