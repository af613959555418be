package keysource

import (
	"fmt"

	"github.com/zavera/zavera/keyfile"
)

// OpenContents opens the key k with password and checks it against k's
// certificate, for moving it onto a token ('zavera keys move', the main
// window). The caller wipes the result (Contents.Wipe) as soon as it is
// done; a wrong password is keyfile.ErrWrongPassword.
func OpenContents(k KeyInfo, password string) (*keyfile.Contents, error) {
	if k.Err != nil {
		return nil, k.Err
	}
	open := openers[k.Kind]
	if open == nil {
		return nil, fmt.Errorf("%w: %s", keyfile.ErrUnsupported, k.Kind)
	}
	c, err := open(k.Path, password)
	if err != nil {
		return nil, err
	}
	if c.Key == nil || k.Certificate == nil || !c.Key.PublicKey().Equal(k.Certificate.PublicKey) {
		c.Wipe()
		return nil, ErrKeyMismatch
	}
	return c, nil
}
