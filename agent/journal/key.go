package journal

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"
)

// The key and the head. A hash chain shows a changed line, but anyone can
// recompute a whole chain, and nothing in a file shows that lines were
// cut off its end. So every record also carries a MAC, HMAC-SHA256 under
// a key of the installation's own (the key file, never part of a journal
// file), of its hash; and the head file names the last record on disk,
// its seq and hash, under a MAC of its own. Without the key a rewritten
// chain has MACs that do not match, and a shortened one ends before the
// head. See doc.go for what this covers and what it does not.

// Errors that Check and Open report besides ErrTampered.
var (
	// ErrRewritten means a record or the head whose MAC does not match
	// the key: the chain was recomputed, or the key replaced.
	ErrRewritten = errors.New("journal: rewritten")
	// ErrTruncated means that the head names a record the journal no
	// longer holds: records were cut off its end.
	ErrTruncated = errors.New("journal: truncated")
	// ErrUnanchored means that the chain cannot be checked against the
	// key and the head: either is missing or unreadable, or records
	// carry no MAC.
	ErrUnanchored = errors.New("journal: not anchored")
)

const keySize = 32

// readKey reads a key file: the key in hex and a newline.
func readKey(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(string(bytes.TrimSpace(data)))
	if err != nil || len(key) != keySize {
		return nil, fmt.Errorf("%w: %s is not a journal key", ErrUnanchored, path)
	}
	return key, nil
}

// loadKey returns the key at path, making one when there is none. A key
// file that cannot be read as a key is moved aside (its name gets a
// ".bad-" suffix) and replaced. note says what was done, if anything out
// of the ordinary.
func loadKey(path string) (key []byte, made bool, note string, err error) {
	key, err = readKey(path)
	switch {
	case err == nil:
		if note, err = restrictKey(path); err != nil {
			return nil, false, "", fmt.Errorf("journal: key: %w", err)
		}
		return key, false, note, nil
	case errors.Is(err, fs.ErrNotExist):
	case errors.Is(err, ErrUnanchored):
		aside := path + ".bad-" + time.Now().UTC().Format("20060102T150405")
		if rerr := os.Rename(path, aside); rerr != nil {
			return nil, false, "", fmt.Errorf("journal: key: %w", rerr)
		}
		note = fmt.Sprintf("the key file was unreadable and was moved to %s", aside)
	default:
		return nil, false, "", fmt.Errorf("journal: key: %w", err)
	}
	key = make([]byte, keySize)
	if _, err := rand.Read(key); err != nil {
		return nil, false, "", fmt.Errorf("journal: key: %w", err)
	}
	if err := writeNew(path, []byte(hex.EncodeToString(key)+"\n")); err != nil {
		return nil, false, "", fmt.Errorf("journal: key: %w", err)
	}
	return key, true, note, nil
}

// writeNew creates path (mode 0600) with data and puts it on disk, the
// folder's entry included.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if serr := f.Sync(); err == nil {
		err = serr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return err
	}
	return syncDir(filepath.Dir(path))
}

// syncDir puts a folder's entries on disk, where the OS can.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	// Windows cannot flush a folder; its entries are flushed with the
	// file system's own log.
	if err := d.Sync(); err != nil && runtime.GOOS != "windows" {
		return err
	}
	return nil
}

// macer computes the journal's MACs. It is not safe for concurrent use.
type macer struct {
	h   hash.Hash
	sum []byte
}

func newMacer(key []byte) *macer { return &macer{h: hmac.New(sha256.New, key)} }

// record returns the MAC of a record: of its hash, in hex.
func (m *macer) record(hash string) string {
	m.h.Reset()
	m.h.Write([]byte(hash))
	m.sum = m.h.Sum(m.sum[:0])
	return hex.EncodeToString(m.sum)
}

// head returns the MAC of a head naming seq and hash. Its input starts
// with a label that no record hash (64 hex digits) does.
func (m *macer) head(seq uint64, hash string) string {
	m.h.Reset()
	m.h.Write([]byte("head\n" + strconv.FormatUint(seq, 10) + "\n" + hash))
	m.sum = m.h.Sum(m.sum[:0])
	return hex.EncodeToString(m.sum)
}

// Head is what the head file holds: the seq and hash of the last record
// known to be on disk, and their MAC.
type Head struct {
	Seq  uint64
	Hash string
	MAC  string
}

// The head file is one line of fixed length, rewritten in place:
//
//	zavera-journal-head 1 <seq, 20 digits> <hash> <mac>
const (
	headMagic = "zavera-journal-head 1 "
	headLen   = len(headMagic) + 20 + 1 + 2*sha256.Size + 1 + 2*sha256.Size + 1
)

// appendHead appends the head line for seq and hash to b.
func appendHead(b []byte, m *macer, seq uint64, hash string) []byte {
	b = append(b, headMagic...)
	b = fmt.Appendf(b, "%020d %s %s\n", seq, hash, m.head(seq, hash))
	return b
}

// parseHead reads a head line.
func parseHead(data []byte) (Head, error) {
	bad := fmt.Errorf("%w: the head file is damaged", ErrUnanchored)
	if len(data) != headLen || !bytes.HasPrefix(data, []byte(headMagic)) || data[headLen-1] != '\n' {
		return Head{}, bad
	}
	f := bytes.Fields(data[len(headMagic):])
	if len(f) != 3 || len(f[0]) != 20 || !isHex(f[1]) || !isHex(f[2]) {
		return Head{}, bad
	}
	seq, err := strconv.ParseUint(string(f[0]), 10, 64)
	if err != nil {
		return Head{}, bad
	}
	return Head{Seq: seq, Hash: string(f[1]), MAC: string(f[2])}, nil
}

// isHex reports whether b is 64 lowercase hex digits.
func isHex(b []byte) bool {
	if len(b) != 2*sha256.Size {
		return false
	}
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// readHeadFile reads the head file at path; a missing file gives
// fs.ErrNotExist.
func readHeadFile(path string) (Head, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Head{}, err
	}
	if len(data) == 0 {
		return Head{}, fs.ErrNotExist // made, never written
	}
	return parseHead(data)
}
