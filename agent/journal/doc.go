// Package journal keeps Zavera's signing journal: append-only files of
// JSON lines, one per consent, signature or refusal, that survive a crash
// and show tampering, truncation and rewriting.
//
// # Format
//
// Each line is a JSON object (Record). Its "hash" member is the lowercase
// hex SHA-256 of the line's own bytes without the hash and MAC members
// (the object closed right after "prev"); "prev" is the hash of the line
// before, 64 zeros for the first ever; "seq" counts from 1. The "mac"
// member, last, is HMAC-SHA256 of the hash (its 64 hex digits) under the
// installation's journal key. Changing, removing, inserting or reordering
// lines breaks the chain, and Read and Check name the first broken line.
//
// # Key and head
//
// The key is 32 random bytes, in hex, in its own file (journal.key beside
// journal.log, mode 0600 on Unix), made when the journal is first opened and
// never written into a journal file, so that the journal's files can be
// copied, shown or handed over without it. Without the key, a chain
// recomputed from end to end has hashes that agree and MACs that do not:
// Check reports it as rewritten (ErrRewritten).
//
// Who may read the key is up to the OS. On Unix it is the file's mode:
// Open makes a key file that others may read or write its owner's again
// (mode 0600) and says so in a recovery record. Windows has no file
// modes (Go's mode of a Windows file only reflects the read-only
// attribute): the key file takes the ACL of the folder it is made in,
// by default the state folder under the user's %APPDATA%, whose ACL
// grants the user, SYSTEM and the Administrators only. Open checks no
// ACL, so a state folder set elsewhere (StateDir) must be as private.
//
// The head file (journal.head) names the last record on disk: its seq,
// its hash and a MAC of both under the key. The journal rewrites it in
// place after each commit (see commit), once the records it names are on
// disk, and flushes it lazily (see headSyncDelay): after a crash it names
// a record at or before the last one on disk, never one after, so a head
// that lags is accepted and only a head beyond the last record means
// that records were cut off (ErrTruncated). A head whose MAC does not
// match, or that names a record other than the one the chain holds at
// its seq, is a rewrite.
//
// What this does not cover: whoever can read the key (the user's own
// account, or an administrator) can rewrite the journal, MACs and head
// included, without a trace; and whoever can delete files can delete the
// journal, or the key and head with it (Open then makes a new key and
// records that the records before it are not anchored; Check reports
// ErrUnanchored), or put back an older journal together with its head.
//
// # Files and rotation
//
// Records go to journal.log. A record that would take it past
// Options.MaxFileBytes (16 MiB by default) goes to a new journal.log; the
// full one is renamed after its last record's seq, journal-<seq, 12
// digits>.log, and the oldest files beyond Options.KeepFiles (8) are
// deleted. The first record of each file chains to the last of the one
// before, so ReadAll and Check read the files as one chain; their first
// record may continue a history whose older files were deleted, and
// Check says where the kept history starts.
//
// Windows renames or deletes a file only if every handle open on it
// allows that. The journal closes its file before renaming it, and its
// readers (ReadAll, Check and Open's look at the newest rotated file)
// open files with FILE_SHARE_DELETE, so that a reader such as `zavera
// journal`, reading while the agent runs, stops neither rotation nor
// the deletion of old files; what it has open it reads on to its end.
// A reader that opens a journal file by other means (os.Open allows no
// rename) can make a rotation fail: the record then goes to the current
// file and the rotation is tried again a little later.
//
// While a journal is open, and after a crash until it is opened again,
// journal.log ends in zero bytes: the space written ahead of the records,
// so that a sync flushes data only (see space.go). Readers stop at the
// first zero byte that starts a line, and report anything but zeros after
// it as tampering; Close, rotation and Open cut the zeros off.
//
// # Refusals no one saw
//
// CountRefusal counts a request refused before any prompt was shown; the
// journal writes one record per origin and reason with the count
// (event "refusal", Record.Count) every Options.RefusalInterval (a
// minute) while there are any, and on Close, instead of one per refusal.
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
// pass that syncs first.
//
// # Opening
//
// Open never refuses a journal it can read and write. What a crash left
// unfinished (a line without its final newline or cut short by zeros,
// and any record after the first zero byte) is cut off; damaged lines at
// the end are moved to journal-damaged-<time>.log and cut off; a file
// whose end cannot be read at all is moved there whole and a new one
// started. The last record and the head are checked against the key.
// Each finding is appended as a recovery record (event "recovery", its
// reason starting with "damaged:", "truncated:", "rewritten:" or
// "unanchored:", or saying how many bytes of an unfinished write were
// cut), which Recovered returns for the caller to show. Open does not
// verify the whole chain: Check does.
//
// # Concurrency and ownership
//
// A *Journal is safe for concurrent use; appends are serialised. Only one
// process may append to a journal at a time: Open locks the head file,
// which, unlike the journal's files, rotation leaves in place, and fails
// with "is in use by another process" if another holds it. On Unix the
// lock is flock(2), advisory; on Windows it is LockFileEx on one byte
// far beyond the head's end, so that readers, which Windows' mandatory
// byte-range locks would stop within the range, can still read the
// head. The OS drops the lock when the journal is closed or its process
// ends, however it ends. Other processes may read the journal's files
// meanwhile (see Files and rotation).
package journal
