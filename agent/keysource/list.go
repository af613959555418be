package keysource

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/zavera/zavera/agent"
)

// FileName is the list's file name in the state folder.
const FileName = "keys.json"

// Entry is one key the user added.
type Entry struct {
	// ID is derived from the path; `zavera keys remove` takes it.
	ID string `json:"id"`
	// Kind is the key's format.
	Kind Kind `json:"kind"`
	// Path is the container's folder or the key file.
	Path string `json:"path"`
	// Cert is a certificate file for keys whose file holds none.
	Cert string `json:"cert,omitempty"`
}

// EntryID returns the ID of a key at path: stable for the path, short
// enough to type.
func EntryID(path string) string {
	sum := sha256.Sum256([]byte(filepath.Clean(path)))
	return hex.EncodeToString(sum[:6])
}

// List is the list of added keys in a JSON file. Every change is written
// to a temporary file and renamed over the old one. Entries that cannot be
// read are skipped and reported as *agent.SkippedError by Load; a file
// that is not JSON counts as empty and is kept aside as FILE.damaged when
// the list is next saved.
type List struct {
	path string
	mu   sync.Mutex
}

// OpenList returns the list kept at path (which need not exist yet).
func OpenList(path string) *List { return &List{path: path} }

type listFile struct {
	Keys []json.RawMessage `json:"keys"`
}

// Load reads the list. skipped lists what it left out; err is for a file
// that exists but cannot be read.
func (l *List) Load() (entries []Entry, skipped []error, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	entries, skipped, _, err = l.load()
	return entries, skipped, err
}

func (l *List) load() (entries []Entry, skipped []error, damaged bool, err error) {
	data, err := os.ReadFile(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, fmt.Errorf("keysource: read %s: %w", l.path, err)
	}
	var f listFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, []error{&agent.SkippedError{File: l.path, Err: err}}, true, nil
	}
	for i, raw := range f.Keys {
		var e Entry
		err := json.Unmarshal(raw, &e)
		if err == nil && (e.Path == "" || !filepath.IsAbs(e.Path)) {
			err = errors.New("no absolute path")
		}
		if err == nil && openers[e.Kind] == nil {
			err = fmt.Errorf("unknown kind %q", e.Kind)
		}
		if err != nil {
			skipped = append(skipped, &agent.SkippedError{File: l.path, Entry: fmt.Sprintf("keys[%d]", i), Err: err})
			continue
		}
		e.ID = EntryID(e.Path)
		entries = append(entries, e)
	}
	return entries, skipped, false, nil
}

// Add puts the key at path into the list (replacing an entry for the same
// path) and returns its entry. The path is made absolute; the kind is
// taken from the path (a folder is a container).
func (l *List) Add(path, certFile string) (Entry, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return Entry{}, fmt.Errorf("keysource: %w", err)
	}
	kind, err := KindOf(abs)
	if err != nil {
		return Entry{}, err
	}
	e := Entry{ID: EntryID(abs), Kind: kind, Path: abs}
	if certFile != "" {
		if e.Cert, err = filepath.Abs(certFile); err != nil {
			return Entry{}, fmt.Errorf("keysource: %w", err)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	entries, _, damaged, err := l.load()
	if err != nil {
		return Entry{}, err
	}
	out := []Entry{}
	for _, x := range entries {
		if x.ID != e.ID {
			out = append(out, x)
		}
	}
	return e, l.save(append(out, e), damaged)
}

// ErrNotInList means no added key has the ID.
var ErrNotInList = errors.New("keysource: no added key has this ID")

// Remove takes the key with the ID out of the list. The key's files stay
// where they are.
func (l *List) Remove(id string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	entries, _, damaged, err := l.load()
	if err != nil {
		return err
	}
	out := []Entry{}
	found := false
	for _, x := range entries {
		if x.ID == id {
			found = true
			continue
		}
		out = append(out, x)
	}
	if !found {
		return fmt.Errorf("%w: %q", ErrNotInList, id)
	}
	return l.save(out, damaged)
}

func (l *List) save(entries []Entry, damaged bool) error {
	if err := os.MkdirAll(filepath.Dir(l.path), 0o700); err != nil {
		return fmt.Errorf("keysource: %w", err)
	}
	if damaged {
		os.Rename(l.path, l.path+".damaged")
	}
	data, err := json.MarshalIndent(struct {
		Keys []Entry `json:"keys"`
	}{entries}, "", "  ")
	if err != nil {
		return fmt.Errorf("keysource: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(l.path), "."+filepath.Base(l.path)+".*")
	if err != nil {
		return fmt.Errorf("keysource: %w", err)
	}
	_, werr := tmp.Write(append(data, '\n'))
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), l.path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("keysource: save %s: %w", l.path, werr)
	}
	return nil
}
