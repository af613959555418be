// Package softtoken is a token source backed by a private key and a
// certificate in files: a PKCS#8 key (GOST R 34.10-2012 as OpenSSL's GOST
// engine writes it, ECDSA or RSA; PEM or DER) and its certificate.
//
// It lets `zavera serve --key FILE --cert FILE` sign before a PKCS#11
// token is at hand, and serves demos and benchmarks. The key file is not
// protected by a PIN, so the source never asks for one: it is for
// development, not for qualified signatures, which need the key on a
// certified token.
//
// # Concurrency
//
// A *Source is immutable after Load and safe for concurrent use.
package softtoken

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/gost"
)

// ErrKeyMismatch means the key does not belong to the certificate.
var ErrKeyMismatch = errors.New("softtoken: the key does not match the certificate")

// TokenID is the ID of the one token a Source has.
const TokenID = "software"

// Source is one software key with its certificate.
type Source struct {
	key  crypto.Signer
	cert agent.Certificate
}

// Load reads the key and the certificate and checks that they match.
func Load(keyFile, certFile string) (*Source, error) {
	keyData, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("softtoken: %w", err)
	}
	key, err := ParseKey(keyData)
	if err != nil {
		return nil, fmt.Errorf("softtoken: %s: %w", keyFile, err)
	}
	certData, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("softtoken: %w", err)
	}
	certs, err := cert.ParseAll(certData)
	if err != nil {
		return nil, fmt.Errorf("softtoken: %s: %w", certFile, err)
	}
	return New(key, certs[0])
}

// New makes a source from a key and its certificate.
func New(key crypto.Signer, c *cert.Certificate) (*Source, error) {
	if !samePublic(key.Public(), c.PublicKey) {
		return nil, ErrKeyMismatch
	}
	sum := c.ThumbprintSHA1()
	return &Source{key: key, cert: agent.Certificate{ID: hex.EncodeToString(sum[:]), TokenID: TokenID, Cert: c}}, nil
}

// ParseKey reads a PKCS#8 private key, PEM or DER.
func ParseKey(data []byte) (crypto.Signer, error) {
	der := data
	if b, _ := pem.Decode(data); b != nil {
		if b.Type != "PRIVATE KEY" {
			return nil, fmt.Errorf("PEM block %q is not an unencrypted PKCS#8 PRIVATE KEY", b.Type)
		}
		der = b.Bytes
	}
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		s, ok := k.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("key of type %T cannot sign", k)
		}
		return s, nil
	}
	k, err := gost.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("not a PKCS#8 GOST, ECDSA or RSA key: %w", err)
	}
	return k, nil
}

func samePublic(a, b crypto.PublicKey) bool {
	if ga, ok := a.(*gost.PublicKey); ok {
		gb, ok := b.(*gost.PublicKey)
		return ok && ga.Curve().OID().Equal(gb.Curve().OID()) && bytes.Equal(ga.Bytes(), gb.Bytes())
	}
	e, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && e.Equal(b)
}

// Certificate returns the source's certificate with its ID.
func (s *Source) Certificate() agent.Certificate { return s.cert }

// Tokens lists the one software token.
func (s *Source) Tokens(context.Context) ([]agent.Token, error) {
	return []agent.Token{{ID: TokenID, Label: "Software key", Model: "file"}}, nil
}

// Certificates lists the one certificate.
func (s *Source) Certificates(context.Context) ([]agent.Certificate, error) {
	return []agent.Certificate{s.cert}, nil
}

// OpenKey returns the key; it needs no PIN.
func (s *Source) OpenKey(_ context.Context, id string, _ agent.PINFunc) (agent.Key, error) {
	if id != s.cert.ID {
		return nil, fmt.Errorf("%w: %q", agent.ErrCertificateNotFound, id)
	}
	return key{s.key}, nil
}

// Subscribe returns at once: files do not come and go.
func (s *Source) Subscribe(func(agent.TokenEvent)) func() { return func() {} }

type key struct{ crypto.Signer }

func (key) Close() error { return nil }
