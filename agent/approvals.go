package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
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
type Approvals struct {
	path string
	mu   sync.Mutex
	m    map[string]time.Time
	mod  time.Time
	size int64
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
// list. An empty path keeps approvals in memory only.
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

// load reads the file into a.m.
func (a *Approvals) load() error {
	fi, err := os.Stat(a.path)
	if errors.Is(err, fs.ErrNotExist) {
		a.m, a.mod, a.size = map[string]time.Time{}, time.Time{}, 0
		return nil
	}
	if err != nil {
		return fmt.Errorf("agent: read approvals: %w", err)
	}
	data, err := os.ReadFile(a.path)
	if err != nil {
		return fmt.Errorf("agent: read approvals: %w", err)
	}
	var f approvalsFile
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("agent: approvals %s: %w", a.path, err)
	}
	m := map[string]time.Time{}
	for _, e := range f.Origins {
		o, err := ParseOrigin(e.Origin)
		if err != nil {
			return fmt.Errorf("agent: approvals %s: %w", a.path, err)
		}
		m[o] = e.Approved
	}
	a.m, a.mod, a.size = m, fi.ModTime(), fi.Size()
	return nil
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
// approved is not an error.
func (a *Approvals) Revoke(origin string) error {
	o, err := ParseOrigin(origin)
	if err != nil {
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
	if err := writeFileAtomic(a.path, append(data, '\n')); err != nil {
		return err
	}
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
