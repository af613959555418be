package agent

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/zavera/zavera/cert"
)

// Which certificates a signature carries besides the signer's, as a
// page asks with the chain parameter of sign, signBatch and cosign
// (CryptoPro's CPSigner.Options: END_ENTITY_ONLY, CHAIN_EXCEPT_ROOT,
// WHOLE_CHAIN).
const (
	chainSigner     = "signer"     // the signer's certificate only (the default)
	chainExceptRoot = "exceptRoot" // and its issuing CAs, the root left out
	chainWhole      = "whole"      // and its issuing CAs, the root included
)

// CAFolder is the folder of the state folder where the user or an
// administrator puts intermediate and root CA certificates (PEM or DER,
// one or several a file) for the chains written into signatures.
const CAFolder = "ca"

// Bounds on the CA folder, read at each signature that asks for a chain.
const (
	maxCAFiles     = 256
	maxCAFileBytes = 1 << 20
)

// CACertificateSource is a TokenSource that also gives the certificates
// tokens hold without a private key: the CA certificates that come with
// a user's certificate. The agent builds signers' chains from them.
type CACertificateSource interface {
	CACertificates(ctx context.Context) ([]*cert.Certificate, error)
}

// checkChain checks the chain parameter.
func checkChain(mode string) (string, error) {
	switch mode {
	case "", chainSigner:
		return chainSigner, nil
	case chainExceptRoot, chainWhole:
		return mode, nil
	}
	return "", badParams("params.chain must be %q, %q or %q", chainSigner, chainExceptRoot, chainWhole)
}

// chainFor returns the issuing CA certificates that a signature by tc
// carries for mode. The path is built from the CA certificates on the
// tokens, in the CA folder and among the trust anchors; a path that
// cannot be completed gives the certificates found and a log line, never
// an error: the signature is still made, and a verifier that knows the
// missing CA can complete it.
func (s *Server) chainFor(ctx context.Context, tc Certificate, mode string) []*cert.Certificate {
	if mode == chainSigner {
		return nil
	}
	path, complete := cert.IssuerPath(tc.Cert, s.knownCAs(ctx))
	if !complete {
		missing := tc.Cert.Issuer.String()
		if len(path) > 0 {
			missing = path[len(path)-1].Issuer.String()
		}
		s.log.Warn("certificate chain incomplete: the signature carries the CA certificates found",
			"certificate", tc.ID, "found", len(path), "missingIssuer", missing)
	}
	if mode == chainExceptRoot && complete && len(path) > 0 {
		path = path[:len(path)-1]
	}
	return path
}

// knownCAs gathers the candidate CA certificates: the tokens' first,
// then the CA folder's, then the trust anchors. Sources that cannot be
// read are logged and skipped.
func (s *Server) knownCAs(ctx context.Context) []*cert.Certificate {
	var pool []*cert.Certificate
	if src, ok := s.tokens.(CACertificateSource); ok {
		cs, err := src.CACertificates(ctx)
		if err != nil {
			s.log.Warn("reading the CA certificates of the tokens", "err", err)
		}
		pool = append(pool, cs...)
	}
	if s.cfg.StateDir != "" {
		pool = append(pool, s.folderCAs(filepath.Join(s.cfg.StateDir, CAFolder))...)
	}
	anchors, err := s.trustAnchors()
	if err != nil {
		s.log.Warn("reading the trust anchors", "err", err)
	}
	return append(pool, anchors...)
}

// folderCAs reads the certificates of the files in dir, in name order;
// a missing folder is no error.
func (s *Server) folderCAs(dir string) []*cert.Certificate {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if !os.IsNotExist(err) {
			s.log.Warn("reading the CA folder", "err", err)
		}
		return nil
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	var out []*cert.Certificate
	n := 0
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if n++; n > maxCAFiles {
			s.log.Warn("the CA folder has too many files; the rest are skipped", "folder", dir, "max", maxCAFiles)
			break
		}
		certs, err := readCAFile(filepath.Join(dir, e.Name()))
		if err != nil {
			s.log.Warn("skipping a file of the CA folder", "err", err)
			continue
		}
		out = append(out, certs...)
	}
	return out
}

func readCAFile(path string) ([]*cert.Certificate, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Size() > maxCAFileBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxCAFileBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	certs, err := cert.ParseAll(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return certs, nil
}
