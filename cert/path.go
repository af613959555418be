package cert

import "bytes"

// SelfSigned reports whether c names itself as its issuer and its
// signature verifies with its own key: a root CA's certificate.
func (c *Certificate) SelfSigned() bool {
	return c != nil && issuedBy(c, c) && c.CheckSignatureFrom(c) == nil
}

// IssuerPath finds the issuers of leaf among pool: leaf's issuer first,
// then its issuer, up to a self-signed certificate. Each step follows the
// issuer's name and key identifier and checks the signature; nothing else
// (validity, CA flags, path length) is checked, because the path says
// which certificates go with a signature, not whether to trust them (see
// VerifyOptions.Verify). complete is false when an issuer was not found:
// path then holds those found. A self-signed leaf has an empty, complete
// path. At most maxChainLength certificates are examined upwards.
func IssuerPath(leaf *Certificate, pool []*Certificate) (path []*Certificate, complete bool) {
	if leaf == nil {
		return nil, false
	}
	child := leaf
	for len(path) < maxChainLength-1 {
		if child.SelfSigned() {
			return path, true
		}
		next := findIssuer(child, leaf, path, pool)
		if next == nil {
			return path, false
		}
		path = append(path, next)
		child = next
	}
	return path, false
}

// findIssuer returns the first certificate of pool that issued child and
// is not already on the path (leaf, then path).
func findIssuer(child, leaf *Certificate, path, pool []*Certificate) *Certificate {
	checks := 0
	for _, cand := range pool {
		if cand == nil || bytes.Equal(cand.Raw, leaf.Raw) || contains(path, cand) || !issuedBy(child, cand) {
			continue
		}
		if checks++; checks > maxIssuerChecks {
			return nil
		}
		if child.CheckSignatureFrom(cand) == nil {
			return cand
		}
	}
	return nil
}
