package agent

import "fmt"

// SkippedError reports a part of a state file (the approvals, the window
// settings) that could not be read and was left out: one entry, or the
// whole file when Entry is empty. A state file is written by the agent
// itself, but an older version, another program or a damaged disk may
// have put something in it that this version refuses; losing that part is
// better than an agent that does not start. Readers of state files return
// these as warnings, never as the error that stops them, and the next
// change rewrites the file without the skipped parts.
type SkippedError struct {
	// File is the state file's path.
	File string
	// Entry names the part skipped, such as "origins[2]"; empty for the
	// whole file.
	Entry string
	// Err is why it could not be read.
	Err error
}

func (e *SkippedError) Error() string {
	if e.Entry == "" {
		return fmt.Sprintf("%s: unreadable, ignored: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s: %s unreadable, skipped: %v", e.File, e.Entry, e.Err)
}

func (e *SkippedError) Unwrap() error { return e.Err }
