package keysource

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/gost"
)

// NeedsPasswordToAdd tells whether adding the key at path needs its
// password once: a PKCS#12 file keeps its certificate encrypted with the
// key, so the certificate is read when the file is added and kept beside
// the list (CertificateFromKey). Container folders carry theirs in clear.
func NeedsPasswordToAdd(path string) bool {
	k, err := KindOf(path)
	return err == nil && k == KindPKCS12
}

// CertificateFromKey opens the key at path with password and returns the
// certificate that matches its private key, then wipes the key. The
// password is not kept.
func CertificateFromKey(path, password string) ([]byte, error) {
	k, err := KindOf(path)
	if err != nil {
		return nil, err
	}
	c, err := openers[k](path, password)
	if err != nil {
		return nil, err
	}
	defer c.Wipe()
	for _, der := range c.Certificates {
		if matches(c.Key, der) {
			return der, nil
		}
	}
	return nil, ErrNoCertificate
}

// SaveCertificate writes der into dir (created private to the user) under
// a name derived from the key's path, and returns the file's path, for
// List.Add's certificate file.
func SaveCertificate(dir, keyPath string, der []byte) (string, error) {
	abs, err := filepath.Abs(keyPath)
	if err != nil {
		return "", fmt.Errorf("keysource: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("keysource: %w", err)
	}
	p := filepath.Join(dir, EntryID(abs)+".cer")
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, der, 0o600); err != nil {
		return "", fmt.Errorf("keysource: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("keysource: %w", err)
	}
	return p, nil
}

// matches tells whether der is the certificate of key.
func matches(key *gost.PrivateKey, der []byte) bool {
	c, err := cert.Parse(der)
	return err == nil && key != nil && key.PublicKey().Equal(c.PublicKey)
}
