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
// While a journal is open, and after a crash until it is opened again,
// the file ends in zero bytes: the space written ahead of the records,
// so that a sync flushes data only (see space.go). Readers stop at the
// first zero byte that starts a line, and report anything but zeros after
// it as tampering; Close and Open cut the zeros off.
//
// # Durability
//
// Append writes one line and flushes it to the disk (fdatasync on Linux,
// fsync elsewhere) before it returns, so a record that Append
// acknowledged is on disk; concurrent appends share a flush (group
// commit). Write and Sync split the two for a run of records that
// needs one fsync at its end, such as a batch of signatures. Expect
// announces a record that will be written (the agent announces one for
// every signing request in flight): a Sync that starts meanwhile waits
// for it, at most a millisecond and while fewer than sixteen records wait,
// so that signatures made at the same time share one fsync. Records
// written and not yet synced never exceed 512 KiB: the write that would
// pass that syncs first. A line half-written by a crash (no final newline,
// or cut short by zeros), and any record after the first zero byte, is
// cut off when the journal is opened again, and a record saying so is
// appended.
//
// # Concurrency and ownership
//
// A *Journal is safe for concurrent use; appends are serialised. Only one
// process may append to a file at a time: Open takes an advisory lock where
// the OS offers one.
package journal
