package keyfile

import (
	"github.com/zavera/zavera/gost"
)

// Contents is what a key file or container holds once opened.
type Contents struct {
	// Key is the private key. Nil after Wipe.
	Key *gost.PrivateKey
	// Certificates are the DER certificates found with the key: the one
	// that matches Key first when one does, then the others in file order.
	Certificates [][]byte
	// Name is the container's or the key's friendly name when the file
	// has one ("" otherwise).
	Name string
}

// Wipe overwrites the private key's scalar and drops it. Readers wipe every
// intermediate buffer they fill themselves.
func (c *Contents) Wipe() {
	if c == nil {
		return
	}
	c.Key.Wipe()
	c.Key = nil
}
