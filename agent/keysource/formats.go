package keysource

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/zavera/zavera/keyfile"
	"github.com/zavera/zavera/keyfile/cpcontainer"
	"github.com/zavera/zavera/keyfile/pfx"
)

// Kind is a key file's format.
type Kind string

// The kinds of key files.
const (
	// KindContainer is a CryptoPro key container folder.
	KindContainer Kind = "cryptopro-container"
	// KindPKCS12 is a PKCS#12 (.pfx, .p12) file.
	KindPKCS12 Kind = "pkcs12"
)

// Opener opens the key at path with a password.
type Opener func(path, password string) (*keyfile.Contents, error)

// openers are the formats this package reads: this is where a format is
// registered.
var openers = map[Kind]Opener{
	KindContainer: cpcontainer.Open,
	KindPKCS12:    fileOpener(pfx.Decode),
}

// inspectors check a key without its password, for the list, so that a
// damaged file is listed with its reason rather than offered to pages. A
// format without one is checked when it opens (containers are read by
// cpcontainer.Inspect in describe).
var inspectors = map[Kind]func(path string) error{
	KindPKCS12: fileInspector(pfx.Inspect),
}

// fileInspector makes an inspector of a check of a whole file's bytes.
func fileInspector(check func(data []byte) error) func(path string) error {
	return func(path string) error {
		data, err := readBounded(path, maxKeyFileSize)
		if err != nil {
			return err
		}
		return check(data)
	}
}

// fileOpener makes an Opener of a decoder of a whole file's bytes.
func fileOpener(decode func(data []byte, password string) (*keyfile.Contents, error)) Opener {
	return func(path, password string) (*keyfile.Contents, error) {
		data, err := readBounded(path, maxKeyFileSize)
		if err != nil {
			return nil, err
		}
		defer clear(data)
		return decode(data, password)
	}
}

// maxKeyFileSize bounds a key file read whole.
const maxKeyFileSize = 1 << 20

func readBounded(path string, max int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("keysource: %w", err)
	}
	if st.Size() > max {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", keyfile.ErrDamaged, path, max)
	}
	return os.ReadFile(path)
}

// KindOf tells the format of the key at path: a container folder, or a
// file named .pfx or .p12. A kind that has no opener registered is
// keyfile.ErrUnsupported.
func KindOf(path string) (Kind, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("keysource: %w", err)
	}
	var k Kind
	switch {
	case st.IsDir() && cpcontainer.IsContainer(path):
		k = KindContainer
	case st.IsDir():
		return "", fmt.Errorf("%w: %s is a folder without header.key, primary.key and masks.key", keyfile.ErrDamaged, path)
	case strings.EqualFold(filepath.Ext(path), ".pfx"), strings.EqualFold(filepath.Ext(path), ".p12"):
		k = KindPKCS12
	default:
		return "", fmt.Errorf("%w: %s is neither a container folder nor a .pfx or .p12 file", keyfile.ErrUnsupported, path)
	}
	if openers[k] == nil {
		return "", fmt.Errorf("%w: %s files", keyfile.ErrUnsupported, k)
	}
	return k, nil
}
