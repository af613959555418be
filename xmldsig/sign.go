package xmldsig

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/gost"
)

// Type is how the signature and the document fit together (CryptoPro's
// CADESCOM_XML_SIGNATURE_TYPE_*).
type Type int

const (
	// Enveloped adds the signature as the last child of the document's
	// root element, over the whole document less itself.
	Enveloped Type = 0
	// Enveloping makes a Signature document that holds the document's
	// root element in an Object it signs.
	Enveloping Type = 1
	// Template fills in the Signature the document already holds: the
	// digests of its references, the signature value and the
	// certificate.
	Template Type = 2
)

// Options says how Prepare signs.
type Options struct {
	Type Type
	// Certificate is the signer's, with a GOST R 34.10-2012 key; it goes
	// into KeyInfo.
	Certificate *cert.Certificate
	// SignatureMethod and DigestMethod name the algorithms for Enveloped
	// and Enveloping; empty means those of the key's size. The signature
	// method must fit the key. A template names its own.
	SignatureMethod, DigestMethod string
}

// Prepared is a document whose signature lacks only its value: Digest
// is what the key signs, References what the signature covers.
type Prepared struct {
	// References are the signature's references with the digests
	// written into the document.
	References []Reference
	// Digest is the hash of the canonical SignedInfo, for the key.
	Digest []byte

	doc      []byte
	sigIndex int
	pub      *gost.PublicKey
	certDER  []byte
}

// Prepare builds the signature of src for o.Certificate up to its value.
// The caller signs p.Digest with the certificate's key (BE(s) || BE(r),
// as package gost and PKCS#11 tokens give it) and passes the signature
// to Finish.
func Prepare(src []byte, o Options) (*Prepared, error) {
	if o.Certificate == nil {
		return nil, fmt.Errorf("%w: no certificate", ErrInvalidArgument)
	}
	pub, ok := o.Certificate.PublicKey.(*gost.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: the certificate's key is not a GOST R 34.10-2012 key", ErrUnsupported)
	}
	sigM, digM := methodsForKey(pub)
	if o.SignatureMethod != "" {
		sigM = o.SignatureMethod
	}
	if o.DigestMethod != "" {
		digM = o.DigestMethod
	}
	doc, err := parse(src)
	if err != nil {
		return nil, err
	}
	var work []byte
	switch o.Type {
	case Enveloped, Enveloping:
		if err := checkMethods(pub, sigM, digM); err != nil {
			return nil, err
		}
		if o.Type == Enveloped {
			work = envelopedTemplate(doc, sigM, digM)
		} else {
			work = envelopingTemplate(doc, sigM, digM)
		}
	case Template:
		work = src
	default:
		return nil, fmt.Errorf("%w: signature type %d", ErrUnsupported, o.Type)
	}
	p := &Prepared{pub: pub, certDER: o.Certificate.Raw}
	if err := p.fillDigests(work); err != nil {
		return nil, err
	}
	return p, nil
}

func checkMethods(pub *gost.PublicKey, sigM, digM string) error {
	size, err := signatureSize(sigM)
	if err != nil {
		return err
	}
	if size != pub.Curve().Size() {
		return fmt.Errorf("%w: signature method %s does not fit a %d-bit key", ErrInvalidArgument, sigM, 8*pub.Curve().Size())
	}
	_, _, err = digestFor(digM)
	return err
}

// fillDigests finds the signature to fill in work, writes its
// references' digests and computes the digest of its SignedInfo.
func (p *Prepared) fillDigests(work []byte) error {
	doc, err := parse(work)
	if err != nil {
		return err
	}
	sigs := signatures(doc)
	p.sigIndex = -1
	for i, s := range sigs {
		if v := s.child(Namespace, "SignatureValue"); v != nil && strings.TrimSpace(v.textContent()) == "" {
			p.sigIndex = i
			break
		}
	}
	if p.sigIndex < 0 {
		return fmt.Errorf("%w: no Signature with an empty SignatureValue to fill", ErrNoSignature)
	}
	sig := sigs[p.sigIndex]
	si := sig.child(Namespace, "SignedInfo")
	if si == nil {
		return fmt.Errorf("%w: Signature without SignedInfo", ErrMalformed)
	}
	sm := si.child(Namespace, "SignatureMethod")
	if sm == nil {
		return fmt.Errorf("%w: SignedInfo without SignatureMethod", ErrMalformed)
	}
	alg, _ := sm.attr("Algorithm")
	size, err := signatureSize(alg)
	if err != nil {
		return err
	}
	if size != p.pub.Curve().Size() {
		return fmt.Errorf("%w: signature method %s does not fit a %d-bit key", ErrInvalidArgument, alg, 8*p.pub.Curve().Size())
	}
	var edits []edit
	refs := refsOf(si)
	if len(refs) == 0 || len(refs) > maxReferences {
		return fmt.Errorf("%w: %d references (1 to %d)", ErrMalformed, len(refs), maxReferences)
	}
	for _, ref := range refs {
		r, err := referenceDigest(doc, sig, ref)
		if err != nil {
			return err
		}
		dv := ref.child(Namespace, "DigestValue")
		if dv == nil {
			return fmt.Errorf("%w: Reference without DigestValue", ErrMalformed)
		}
		edits = append(edits, fill(work, dv, base64.StdEncoding.EncodeToString(r.Digest)))
		p.References = append(p.References, r)
	}
	p.doc = apply(work, edits)
	doc, err = parse(p.doc)
	if err != nil {
		return fmt.Errorf("xmldsig: the filled document does not parse: %w", err)
	}
	si = signatures(doc)[p.sigIndex].child(Namespace, "SignedInfo")
	canon, err := canonicalSignedInfo(doc, si)
	if err != nil {
		return err
	}
	h := signedInfoHash(size)()
	h.Write(canon)
	p.Digest = h.Sum(nil)
	return nil
}

// canonicalSignedInfo is SignedInfo in the canonical form its
// CanonicalizationMethod names.
func canonicalSignedInfo(doc *document, si *element) ([]byte, error) {
	cm := si.child(Namespace, "CanonicalizationMethod")
	if cm == nil {
		return nil, fmt.Errorf("%w: SignedInfo without CanonicalizationMethod", ErrMalformed)
	}
	alg, _ := cm.attr("Algorithm")
	m, ok := methodFor(alg)
	if !ok {
		return nil, fmt.Errorf("%w: canonicalization method %q", ErrUnsupported, alg)
	}
	if len(cm.elements()) > 0 {
		return nil, fmt.Errorf("%w: parameters of canonicalization method %q", ErrUnsupported, alg)
	}
	return canonicalize(doc, si, nil, m), nil
}

func refsOf(si *element) []*element {
	var out []*element
	for _, e := range si.elements() {
		if e.is(Namespace, "Reference") {
			out = append(out, e)
		}
	}
	return out
}

// Finish writes the signature value over p.Digest and the certificate
// into the document and returns it. The signature is checked with the
// certificate's key first.
func (p *Prepared) Finish(signature []byte) ([]byte, error) {
	if err := p.pub.Verify(p.Digest, signature); err != nil {
		return nil, fmt.Errorf("%w: the key's signature does not verify with the certificate: %v", ErrBadSignature, err)
	}
	doc, err := parse(p.doc)
	if err != nil {
		return nil, err
	}
	sig := signatures(doc)[p.sigIndex]
	sv := sig.child(Namespace, "SignatureValue")
	edits := []edit{fill(p.doc, sv, base64.StdEncoding.EncodeToString(signature))}
	certB64 := base64.StdEncoding.EncodeToString(p.certDER)
	ki := sig.child(Namespace, "KeyInfo")
	switch {
	case ki == nil:
		pre := ""
		if sig.prefix != "" {
			pre = sig.prefix + ":"
		}
		edits = append(edits, edit{sv.end, sv.end, "<" + pre + "KeyInfo><" + pre + "X509Data><" + pre + "X509Certificate>" +
			certB64 + "</" + pre + "X509Certificate></" + pre + "X509Data></" + pre + "KeyInfo>"})
	default:
		if xd := ki.child(Namespace, "X509Data"); xd != nil {
			if xc := xd.child(Namespace, "X509Certificate"); xc != nil && strings.TrimSpace(xc.textContent()) == "" {
				edits = append(edits, fill(p.doc, xc, certB64))
			}
		}
	}
	return apply(p.doc, edits), nil
}

// edit replaces src[from:to] with text.
type edit struct {
	from, to int
	text     string
}

// fill is the edit that makes text the whole content of e.
func fill(src []byte, e *element, text string) edit {
	if e.open == e.end { // <e/>
		tag := strings.TrimRight(string(src[e.start:e.open-2]), " \t\r\n")
		return edit{e.start, e.end, tag + ">" + text + "</" + e.qname() + ">"}
	}
	return edit{e.open, e.close, text}
}

func apply(src []byte, edits []edit) []byte {
	sort.Slice(edits, func(i, j int) bool { return edits[i].from > edits[j].from })
	out := bytes.Clone(src)
	for _, e := range edits {
		out = append(out[:e.from:e.from], append([]byte(e.text), out[e.to:]...)...)
	}
	return out
}

// signedInfo writes a SignedInfo with one Reference; pre is the prefix
// with its colon, or "".
func signedInfo(b *strings.Builder, pre, sigM, digM, uri string, enveloped bool) {
	fmt.Fprintf(b, `<%sSignedInfo><%sCanonicalizationMethod Algorithm="%s"/><%sSignatureMethod Algorithm="%s"/>`,
		pre, pre, ExcC14N10, pre, sigM)
	fmt.Fprintf(b, `<%sReference URI="%s"><%sTransforms>`, pre, uri, pre)
	if enveloped {
		fmt.Fprintf(b, `<%sTransform Algorithm="%s"/>`, pre, EnvelopedSignature)
	}
	fmt.Fprintf(b, `<%sTransform Algorithm="%s"/></%sTransforms>`, pre, ExcC14N10, pre)
	fmt.Fprintf(b, `<%sDigestMethod Algorithm="%s"/><%sDigestValue></%sDigestValue></%sReference></%sSignedInfo>`,
		pre, digM, pre, pre, pre, pre)
	fmt.Fprintf(b, `<%sSignatureValue></%sSignatureValue>`, pre, pre)
	fmt.Fprintf(b, `<%sKeyInfo><%sX509Data><%sX509Certificate></%sX509Certificate></%sX509Data></%sKeyInfo>`, pre, pre, pre, pre, pre, pre)
}

// envelopedTemplate is doc with an empty Signature as the root's last
// child. The rest of the document is kept byte for byte.
func envelopedTemplate(doc *document, sigM, digM string) []byte {
	var b strings.Builder
	b.WriteString(`<Signature xmlns="` + Namespace + `">`)
	signedInfo(&b, "", sigM, digM, "", true)
	b.WriteString(`</Signature>`)
	root := doc.root
	if root.open == root.end { // <root/>
		return apply(doc.src, []edit{fill(doc.src, root, b.String())})
	}
	return apply(doc.src, []edit{{root.close, root.close, b.String()}})
}

// envelopingTemplate is a Signature that holds doc's root element in an
// Object. The Signature's elements take the prefix ds, so that the
// document's elements keep their namespaces inside it.
func envelopingTemplate(doc *document, sigM, digM string) []byte {
	id := "signed-object"
	for n := 2; ; n++ {
		if _, err := findByID(doc.root, id); err != nil {
			break
		}
		id = fmt.Sprintf("signed-object-%d", n)
	}
	var b strings.Builder
	b.WriteString(`<ds:Signature xmlns:ds="` + Namespace + `">`)
	signedInfo(&b, "ds:", sigM, digM, "#"+id, false)
	b.WriteString(`<ds:Object Id="` + id + `">`)
	b.Write(doc.src[doc.root.start:doc.root.end])
	b.WriteString(`</ds:Object></ds:Signature>`)
	return []byte(b.String())
}
