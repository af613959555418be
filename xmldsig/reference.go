package xmldsig

import (
	"fmt"
	"strings"
)

// The WS-Security utility namespace, whose wsu:Id SMEV 2 messages use
// to name the parts they sign.
const nsWSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"

// Bounds on a signature's parts, each a canonicalization and a digest.
const (
	maxSignatures = 100
	maxReferences = 100
)

// Reference is one Reference of a signature: what it points to and the
// digest of its canonical form.
type Reference struct {
	// URI is "" for the whole document (less the enveloped signature)
	// or "#id" for the element with that Id.
	URI string
	// DigestMethod is the algorithm's URI, DigestName its short name
	// (Streebog-256, Streebog-512).
	DigestMethod, DigestName string
	// Digest is the digest this package computed.
	Digest []byte
}

// referenceDigest computes the digest of Reference ref of signature sig
// over doc. Supported: URI "" and "#id"; the transforms
// enveloped-signature then one canonicalization (Canonical XML 1.0 or
// Exclusive, without an InclusiveNamespaces prefix list), then SMEV's
// transform; no canonicalization transform means Canonical XML 1.0, as
// XMLDSig says for a node set. The node sets of both URIs leave comments
// out.
func referenceDigest(doc *document, sig, ref *element) (Reference, error) {
	uri, ok := ref.attr("URI")
	if !ok {
		return Reference{}, fmt.Errorf("%w: a Reference without URI", ErrUnsupported)
	}
	out := Reference{URI: uri}
	var apex *element
	switch {
	case uri == "":
	case strings.HasPrefix(uri, "#") && len(uri) > 1 && !strings.HasPrefix(uri, "#xpointer("):
		var err error
		if apex, err = findByID(doc.root, uri[1:]); err != nil {
			return out, err
		}
	default:
		return out, fmt.Errorf("%w: Reference URI %q (only \"\" and \"#id\")", ErrUnsupported, uri)
	}
	var exclude *element
	m, canonical, smev := c14nMethod{}, false, false
	if tr := ref.child(Namespace, "Transforms"); tr != nil {
		for _, t := range tr.elements() {
			if !t.is(Namespace, "Transform") {
				return out, fmt.Errorf("%w: %s in Transforms", ErrMalformed, t.qname())
			}
			alg, _ := t.attr("Algorithm")
			if smev {
				return out, fmt.Errorf("%w: transform %q after SMEV's", ErrUnsupported, alg)
			}
			if alg == SMEVTransform {
				// Its output depends only on the node set, whatever
				// canonicalization came before it.
				smev = true
				continue
			}
			if canonical {
				return out, fmt.Errorf("%w: transform %q after the canonicalization", ErrUnsupported, alg)
			}
			if alg == EnvelopedSignature {
				if apex == nil || apex.contains(sig) {
					exclude = sig
				}
				continue
			}
			cm, ok := methodFor(alg)
			if !ok {
				return out, fmt.Errorf("%w: transform %q", ErrUnsupported, alg)
			}
			if len(t.elements()) > 0 {
				return out, fmt.Errorf("%w: parameters of transform %q (InclusiveNamespaces)", ErrUnsupported, alg)
			}
			m, canonical = cm, true
		}
	}
	m.comments = false
	dm := ref.child(Namespace, "DigestMethod")
	if dm == nil {
		return out, fmt.Errorf("%w: a Reference without DigestMethod", ErrMalformed)
	}
	out.DigestMethod, _ = dm.attr("Algorithm")
	newHash, name, err := digestFor(out.DigestMethod)
	if err != nil {
		return out, err
	}
	h := newHash()
	if smev {
		octets, err := smevTransform(doc, apex, exclude)
		if err != nil {
			return out, err
		}
		h.Write(octets)
	} else {
		h.Write(canonicalize(doc, apex, exclude, m))
	}
	out.DigestName, out.Digest = name, h.Sum(nil)
	return out, nil
}

// findByID returns the one element whose Id (ID, id, or wsu:Id) is id. A
// value found twice is an error: a verifier and a signer could pick
// different elements.
func findByID(root *element, id string) (*element, error) {
	var found *element
	count := 0
	root.walk(func(e *element) bool {
		for _, a := range e.attrs {
			named := a.prefix == "" && (a.local == "Id" || a.local == "ID" || a.local == "id")
			if !named && a.prefix != "" && a.local == "Id" {
				ns, _ := e.lookup(a.prefix)
				named = ns == nsWSU
			}
			if named && a.value == id {
				found = e
				count++
			}
		}
		return count < 2
	})
	switch count {
	case 0:
		return nil, fmt.Errorf("%w: no element with Id %q", ErrMalformed, id)
	case 1:
		return found, nil
	}
	return nil, fmt.Errorf("%w: more than one element with Id %q", ErrMalformed, id)
}

// signatures returns the XMLDSig Signature elements of doc in document
// order.
func signatures(doc *document) []*element {
	var out []*element
	doc.root.walk(func(e *element) bool {
		if e.is(Namespace, "Signature") {
			out = append(out, e)
		}
		return true
	})
	return out
}
