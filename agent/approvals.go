package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// Approvals are the origins the user approved, remembered in a JSON file
// in the state folder. Every change is written to a temporary file, synced
// and renamed over the old one, so that a crash leaves either the old or
// the new list. Approvals is safe for concurrent use.
//
// Another process (`zavera serve --revoke`) may change the file: Has and
// List read it again when its modification time or size has changed, so
// a revocation takes effect on the next request.
//
// An entry that cannot be read (not an object, a bad time, an origin that
// ParseOrigin refuses, as an older version could write) is skipped and
// reported by Skipped, and logged when SetLog gave a logger; the other
// entries load. A file that is not JSON at all counts as empty and is
// kept beside the new one, as approvals.json.damaged, when the list is
// next saved. Only a file that cannot be read at all is an error.
type Approvals struct {
	path string
	mu   sync.Mutex
	m    map[string]time.Time
	mod  time.Time
	size int64
	// skipped are the parts of the file the last read left out;
	// skippedRaw holds the origins of the entries among them, so that
	// Revoke can remove such an entry by the text it has in the file.
	skipped    []error
	skippedRaw map[string]bool
	// damaged: the file is not JSON; the next save keeps it aside.
	damaged bool
	log     *slog.Logger
	// onRevoke, when set, hears of every origin that lost its approval,
	// here or in another process.
	onRevoke func(origin string)
}

// approvalsFile is the file's format.
type approvalsFile struct {
	Origins []approvalEntry `json:"origins"`
}

type approvalEntry struct {
	Origin   string    `json:"origin"`
	Approved time.Time `json:"approved"`
}

// OpenApprovals reads the approvals at path; a missing file is an empty
// list. An empty path keeps approvals in memory only. Unreadable entries
// are skipped (see Skipped); the error is for a file that cannot be read.
func OpenApprovals(path string) (*Approvals, error) {
	a := &Approvals{path: path, m: map[string]time.Time{}}
	if path == "" {
		return a, nil
	}
	if err := a.load(); err != nil {
		return nil, err
	}
	return a, nil
}

// Skipped returns what the last read of the file left out, each a
// *SkippedError; nil when it read cleanly.
func (a *Approvals) Skipped() []error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]error(nil), a.skipped...)
}

// SetLog makes later reads of the file (after another process changed
// it) log what they skip as warnings.
func (a *Approvals) SetLog(l *slog.Logger) {
	a.mu.Lock()
	a.log = l
	a.mu.Unlock()
}

// load reads the file into a.m, skipping what it cannot read.
func (a *Approvals) load() error {
	fi, err := os.Stat(a.path)
	if errors.Is(err, fs.ErrNotExist) {
		a.m, a.mod, a.size = map[string]time.Time{}, time.Time{}, 0
		a.skipped, a.skippedRaw, a.damaged = nil, nil, false
		return nil
	}
	if err != nil {
		return fmt.Errorf("agent: read approvals: %w", err)
	}
	data, err := os.ReadFile(a.path)
	if err != nil {
		return fmt.Errorf("agent: read approvals: %w", err)
	}
	a.m, a.skipped, a.skippedRaw, a.damaged = parseApprovals(a.path, data)
	a.mod, a.size = fi.ModTime(), fi.Size()
	if a.log != nil {
		for _, e := range a.skipped {
			a.log.Warn("approvals: part of the file skipped", "err", e)
		}
	}
	return nil
}

// parseApprovals reads the file's entries one by one. It returns the
// origins it could read, what it skipped, the origins of the entries
// skipped, and whether the file as a whole is unreadable.
func parseApprovals(path string, data []byte) (m map[string]time.Time, skipped []error, raw map[string]bool, damaged bool) {
	m = map[string]time.Time{}
	var f struct {
		Origins []json.RawMessage `json:"origins"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return m, []error{&SkippedError{File: path, Err: err}}, nil, true
	}
	for i, rawEntry := range f.Origins {
		var e approvalEntry
		err := json.Unmarshal(rawEntry, &e)
		o := ""
		if err == nil {
			o, err = ParseOrigin(e.Origin)
		}
		if err != nil {
			skipped = append(skipped, &SkippedError{File: path, Entry: fmt.Sprintf("origins[%d]", i), Err: err})
			if e.Origin != "" {
				if raw == nil {
					raw = map[string]bool{}
				}
				raw[e.Origin] = true
			}
			continue
		}
		if _, dup := m[o]; !dup {
			m[o] = e.Approved
		}
	}
	return m, skipped, raw, false
}

// refreshLocked reloads the file if another process changed it. A file
// that became unreadable leaves no origin approved.
func (a *Approvals) refreshLocked() {
	if a.path == "" {
		return
	}
	fi, err := os.Stat(a.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if len(a.m) > 0 || !a.mod.IsZero() {
			old := a.m
			a.m, a.mod, a.size = map[string]time.Time{}, time.Time{}, 0
			a.skipped, a.skippedRaw, a.damaged = nil, nil, false
			a.revokedLocked(old)
		}
		return
	case err != nil:
		old := a.m
		a.m = map[string]time.Time{}
		a.revokedLocked(old)
		return
	}
	if fi.ModTime().Equal(a.mod) && fi.Size() == a.size {
		return
	}
	old := a.m
	if err := a.load(); err != nil {
		a.m = map[string]time.Time{}
		if a.log != nil {
			a.log.Warn("approvals: file unreadable, no site approved", "err", err)
		}
	}
	a.revokedLocked(old)
}

// revokedLocked reports the origins of old that are no longer approved.
func (a *Approvals) revokedLocked(old map[string]time.Time) {
	if a.onRevoke == nil {
		return
	}
	for o := range old {
		if _, ok := a.m[o]; !ok {
			a.onRevoke(o)
		}
	}
}

// Has reports whether origin (canonical) is approved.
func (a *Approvals) Has(origin string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refreshLocked()
	_, ok := a.m[origin]
	return ok
}

// List returns the approved origins in order.
func (a *Approvals) List() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refreshLocked()
	out := make([]string, 0, len(a.m))
	for o := range a.m {
		out = append(out, o)
	}
	sort.Strings(out)
	return out
}

// Add approves origin and saves the list.
func (a *Approvals) Add(origin string, at time.Time) error {
	o, err := ParseOrigin(origin)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refreshLocked()
	a.m[o] = at.UTC()
	return a.saveLocked()
}

// Revoke forgets origin and saves the list. Revoking an origin that is not
// approved is not an error. An entry the file holds but that was skipped
// as unreadable is removed by its text as it stands in the file.
func (a *Approvals) Revoke(origin string) error {
	o, err := ParseOrigin(origin)
	if err != nil {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.refreshLocked()
		if a.skippedRaw[origin] {
			return a.saveLocked()
		}
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refreshLocked()
	if _, ok := a.m[o]; !ok {
		return nil
	}
	delete(a.m, o)
	if a.onRevoke != nil {
		a.onRevoke(o)
	}
	return a.saveLocked()
}

func (a *Approvals) saveLocked() error {
	if a.path == "" {
		return nil
	}
	var f approvalsFile
	for o, t := range a.m {
		f.Origins = append(f.Origins, approvalEntry{o, t})
	}
	sort.Slice(f.Origins, func(i, j int) bool { return f.Origins[i].Origin < f.Origins[j].Origin })
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("agent: save approvals: %w", err)
	}
	if a.damaged {
		// Keep what could not be read for the user to look at.
		if err := os.Rename(a.path, a.path+".damaged"); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("agent: save approvals: %w", err)
		}
	}
	if err := writeFileAtomic(a.path, append(data, '\n')); err != nil {
		return err
	}
	a.skipped, a.skippedRaw, a.damaged = nil, nil, false
	if fi, err := os.Stat(a.path); err == nil {
		a.mod, a.size = fi.ModTime(), fi.Size()
	}
	return nil
}

// writeFileAtomic replaces path with data: temporary file, fsync, rename,
// fsync of the folder.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("agent: save %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("agent: save %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("agent: save %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("agent: save %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("agent: save %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("agent: save %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
