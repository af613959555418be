// Package localtls makes the certificate that lets the agent serve wss://
// on the loopback interface: a per-installation CA and one certificate for
// 127.0.0.1, ::1 and localhost issued by it. The CA's private key exists
// only in memory while issuing and is destroyed: it is never written, so
// no one can later issue another certificate that the trust stores would
// accept. The CA is also name-constrained to those three names, so even a
// copy of its key taken during issuing could not vouch for any other site.
//
// # Who may issue
//
// Issue (and Generate, which writes what it issues) must run in a
// short-lived process: the commands `zavera tls` and `zavera install`, or
// the child process that `zavera serve` starts when it has no
// certificate. The CA key's scalar and big.Int words are zeroed before
// Issue returns, and the loopback key's buffers by Issued.Wipe, but the
// crypto library makes copies of a key while signing that no caller can
// reach; those go with the process when it exits. The long-running agent
// only ever loads the result (Load, LoadOr).
//
// The installer puts ca.pem into the OS and browser trust stores; the
// agent serves cert.pem with key.pem.
//
// # Files
//
// Generate writes into a folder: ca.pem (the CA certificate), cert.pem
// (the loopback certificate followed by the CA) and key.pem (the loopback
// key, PKCS#8, mode 0600). Load reads cert.pem and key.pem.
package localtls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// File names inside the folder.
const (
	CAFile   = "ca.pem"
	CertFile = "cert.pem"
	KeyFile  = "key.pem"
)

// Validity of the loopback certificate and of its CA.
const (
	CertValidity = 825 * 24 * time.Hour
	CAValidity   = CertValidity + 24*time.Hour
)

// ErrNoCertificate means the folder has no usable loopback certificate.
var ErrNoCertificate = errors.New("localtls: no loopback certificate")

var loopbackIPs = []net.IP{net.IPv4(127, 0, 0, 1).To4(), net.IPv6loopback}

func serial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

// Issued is a new loopback certificate, its key and its CA, in DER.
type Issued struct {
	CA   []byte // the CA certificate
	Leaf []byte // the loopback certificate
	Key  []byte // the loopback key, PKCS#8
}

// Wipe zeroes the loopback key.
func (i *Issued) Wipe() { clear(i.Key) }

// Generate makes a new CA and loopback certificate in dir, replacing any
// there, and returns the CA certificate. It issues in the calling process:
// see the package rules.
func Generate(dir string, now time.Time) (*x509.Certificate, error) {
	is, err := Issue(now)
	if err != nil {
		return nil, err
	}
	defer is.Wipe()
	ca, err := x509.ParseCertificate(is.CA)
	if err != nil {
		return nil, fmt.Errorf("localtls: CA: %w", err)
	}
	if err := Write(dir, is); err != nil {
		return nil, err
	}
	return ca, nil
}

// inspectCAKey, when set (by tests), sees the CA key and its scalar
// before they are used, to check afterwards that they were zeroed.
var inspectCAKey func(k *ecdsa.PrivateKey, scalar []byte)

// newCAKey draws a P-256 scalar into a buffer of its own, so that it can
// be zeroed after use, and makes the key from it.
func newCAKey() (*ecdsa.PrivateKey, []byte, error) {
	scalar := make([]byte, 32)
	for {
		if _, err := io.ReadFull(rand.Reader, scalar); err != nil {
			return nil, nil, err
		}
		// Out of range (zero or not below the group order): draw again.
		if k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), scalar); err == nil {
			return k, scalar, nil
		}
	}
}

// privateD returns the big.Int in which the key keeps its private scalar
// (nil when it keeps none). It exists only to zero that scalar.
func privateD(k *ecdsa.PrivateKey) *big.Int {
	//lint:ignore SA1019 read only to zero the scalar the field holds
	return k.D
}

// wipeKey zeroes the words of a key's private scalar.
func wipeKey(k *ecdsa.PrivateKey) {
	if k == nil {
		return
	}
	if d := privateD(k); d != nil {
		clear(d.Bits())
		d.SetInt64(0)
	}
}

// Issue makes a new CA, issues the loopback certificate with it and
// destroys the CA key: its scalar and the words of its big.Int are zeroed
// before Issue returns, and it is never marshalled. The caller wipes the
// result's key when done. Call it only in a short-lived process (see the
// package rules).
func Issue(now time.Time) (*Issued, error) {
	caKey, scalar, err := newCAKey()
	if err != nil {
		return nil, fmt.Errorf("localtls: %w", err)
	}
	if inspectCAKey != nil {
		inspectCAKey(caKey, scalar)
	}
	revealCAKey(scalar)
	defer func() {
		clear(scalar)
		wipeKey(caKey)
	}()
	sn, err := serial()
	if err != nil {
		return nil, fmt.Errorf("localtls: %w", err)
	}
	host, _ := os.Hostname()
	caTmpl := &x509.Certificate{
		SerialNumber:                sn,
		Subject:                     pkix.Name{CommonName: "Zavera local CA (" + host + ")", Organization: []string{"Zavera"}},
		NotBefore:                   now.Add(-time.Hour),
		NotAfter:                    now.Add(CAValidity),
		IsCA:                        true,
		BasicConstraintsValid:       true,
		MaxPathLen:                  0,
		MaxPathLenZero:              true,
		KeyUsage:                    x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		PermittedDNSDomainsCritical: true,
		PermittedDNSDomains:         []string{"localhost"},
		PermittedIPRanges: []*net.IPNet{
			{IP: loopbackIPs[0], Mask: net.CIDRMask(32, 32)},
			{IP: loopbackIPs[1], Mask: net.CIDRMask(128, 128)},
		},
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return nil, fmt.Errorf("localtls: CA: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("localtls: CA: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("localtls: %w", err)
	}
	if sn, err = serial(); err != nil {
		return nil, fmt.Errorf("localtls: %w", err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: sn,
		Subject:      pkix.Name{CommonName: "localhost", Organization: []string{"Zavera"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(CertValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  loopbackIPs,
	}
	defer wipeKey(key)
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, key.Public(), caKey)
	if err != nil {
		return nil, fmt.Errorf("localtls: certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("localtls: %w", err)
	}
	return &Issued{CA: caDER, Leaf: leafDER, Key: keyDER}, nil
}

// Write writes what Issue made into dir (created 0700 if missing):
// ca.pem, cert.pem and key.pem. The PEM of the key is zeroed once
// written.
func Write(dir string, is *Issued) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("localtls: %w", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: is.Key})
	defer clear(keyPEM)
	certPEM := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: is.Leaf}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: is.CA})...)
	for _, f := range []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{KeyFile, keyPEM, 0o600},
		{CertFile, certPEM, 0o644},
		{CAFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: is.CA}), 0o644},
	} {
		if err := writeFile(filepath.Join(dir, f.name), f.data, f.mode); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return fmt.Errorf("localtls: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("localtls: %w", err)
	}
	return nil
}

// Load reads the loopback certificate and key from dir and checks that the
// certificate is valid at now. The error wraps ErrNoCertificate when the
// files are missing or expired, so that the caller may Generate anew.
func Load(dir string, now time.Time) (*tls.Config, error) {
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoCertificate, err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoCertificate, err)
	}
	if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		return nil, fmt.Errorf("%w: expired on %s", ErrNoCertificate, leaf.NotAfter.Format(time.DateOnly))
	}
	pair.Leaf = leaf
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}

// LoadOr loads the certificate in dir; when there is none or it expired,
// it calls issue, which must write a new one into dir (a short-lived
// process running Generate), and loads that. generated reports whether it
// did: the new CA must then be installed in the trust stores.
func LoadOr(dir string, now time.Time, issue func(dir string) error) (conf *tls.Config, generated bool, err error) {
	conf, err = Load(dir, now)
	if err == nil {
		return conf, false, nil
	}
	if !errors.Is(err, ErrNoCertificate) {
		return nil, false, err
	}
	if err := issue(dir); err != nil {
		return nil, false, err
	}
	conf, err = Load(dir, now)
	return conf, true, err
}
