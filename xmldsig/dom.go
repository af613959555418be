package xmldsig

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// Namespaces every XML processor knows.
const (
	nsXML   = "http://www.w3.org/XML/1998/namespace"
	nsXMLNS = "http://www.w3.org/2000/xmlns/"
)

// Bounds on the documents parsed: pages send them whole, in one message.
const (
	maxDepth = 256
	maxNodes = 1 << 20
)

// node is an *element, *text, *comment or *procInst.
type node interface{}

type text struct{ data string }

type comment struct{ data string }

type procInst struct{ target, inst string }

// attr is an attribute other than a namespace declaration.
type attr struct {
	prefix, local, value string
}

// nsDecl is a namespace declaration: prefix "" is the default namespace.
type nsDecl struct {
	prefix, uri string
}

// element is an element with its offsets in the source: start is where
// its start tag begins, open where the start tag ends, close where its
// end tag begins and end where it ends. An empty-element tag (<a/>) has
// open == close == end.
type element struct {
	prefix, local string
	decls         []nsDecl
	attrs         []attr
	children      []node
	parent        *element

	start, open, close, end int
}

// document is a parsed XML document: top-level comments and processing
// instructions around the root element, in order.
type document struct {
	src      []byte
	children []node
	root     *element
}

// parse reads an XML document into a tree that keeps prefixes and
// offsets. A document type declaration is refused (no entities are
// expanded), and so are undeclared prefixes and attribute values with
// literal tabs or line breaks (which the XML parser this package uses
// does not normalise as XML requires).
func parse(src []byte) (*document, error) {
	d := xml.NewDecoder(bytes.NewReader(src))
	d.Strict = true
	doc := &document{src: src}
	var stack []*element
	nodes := 0
	appendNode := func(n node) {
		if len(stack) == 0 {
			doc.children = append(doc.children, n)
			return
		}
		top := stack[len(stack)-1]
		top.children = append(top.children, n)
	}
	for {
		before := int(d.InputOffset())
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		after := int(d.InputOffset())
		if nodes++; nodes > maxNodes {
			return nil, fmt.Errorf("%w: more than %d nodes", ErrTooLarge, maxNodes)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 && doc.root != nil {
				return nil, fmt.Errorf("%w: more than one root element", ErrMalformed)
			}
			if len(stack) >= maxDepth {
				return nil, fmt.Errorf("%w: elements nested deeper than %d", ErrTooLarge, maxDepth)
			}
			e := &element{prefix: t.Name.Space, local: t.Name.Local, start: before, open: after}
			if len(stack) > 0 {
				e.parent = stack[len(stack)-1]
			}
			if err := e.setAttrs(t.Attr); err != nil {
				return nil, err
			}
			appendNode(e)
			if len(stack) == 0 {
				doc.root = e
			}
			stack = append(stack, e)
			if err := e.checkPrefixes(); err != nil {
				return nil, err
			}
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, fmt.Errorf("%w: unexpected end tag", ErrMalformed)
			}
			e := stack[len(stack)-1]
			if t.Name.Space != e.prefix || t.Name.Local != e.local {
				return nil, fmt.Errorf("%w: end tag %s does not close %s", ErrMalformed, qname(t.Name.Space, t.Name.Local), e.qname())
			}
			if after == e.open { // <a/>: the decoder gives the end at once
				e.close, e.end = after, after
			} else {
				e.close, e.end = before, after
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, fmt.Errorf("%w: text outside the root element", ErrMalformed)
				}
				continue
			}
			appendNode(&text{data: string(t)})
		case xml.Comment:
			appendNode(&comment{data: string(t)})
		case xml.ProcInst:
			if t.Target == "xml" {
				continue // the XML declaration
			}
			appendNode(&procInst{target: t.Target, inst: string(t.Inst)})
		case xml.Directive:
			return nil, fmt.Errorf("%w: a document type declaration is not accepted", ErrMalformed)
		}
	}
	if len(stack) > 0 || doc.root == nil {
		return nil, fmt.Errorf("%w: the document ends early", ErrMalformed)
	}
	return doc, nil
}

func (e *element) setAttrs(raw []xml.Attr) error {
	for _, a := range raw {
		switch {
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			e.decls = append(e.decls, nsDecl{"", a.Value})
		case a.Name.Space == "xmlns":
			if a.Value == "" {
				return fmt.Errorf("%w: prefix %s undeclared (XML 1.1)", ErrMalformed, a.Name.Local)
			}
			e.decls = append(e.decls, nsDecl{a.Name.Local, a.Value})
		default:
			if strings.ContainsAny(a.Value, "\t\n\r") {
				return fmt.Errorf("%w: attribute %s holds a tab or a line break", ErrUnsupported, qname(a.Name.Space, a.Name.Local))
			}
			e.attrs = append(e.attrs, attr{a.Name.Space, a.Name.Local, a.Value})
		}
	}
	return nil
}

// checkPrefixes checks that the element's and its attributes' prefixes
// are declared, and that no attribute appears twice.
func (e *element) checkPrefixes() error {
	if _, ok := e.lookup(e.prefix); !ok && e.prefix != "" {
		return fmt.Errorf("%w: prefix %q of %s is not declared", ErrMalformed, e.prefix, e.qname())
	}
	seen := map[[2]string]bool{}
	for _, a := range e.attrs {
		uri := ""
		if a.prefix != "" {
			u, ok := e.lookup(a.prefix)
			if !ok {
				return fmt.Errorf("%w: prefix %q of attribute %s is not declared", ErrMalformed, a.prefix, a.local)
			}
			uri = u
		}
		k := [2]string{uri, a.local}
		if seen[k] {
			return fmt.Errorf("%w: attribute %s twice on %s", ErrMalformed, a.local, e.qname())
		}
		seen[k] = true
	}
	return nil
}

// lookup finds the namespace bound to prefix where e is; the default
// namespace ("") is "" when none is declared.
func (e *element) lookup(prefix string) (string, bool) {
	if prefix == "xml" {
		return nsXML, true
	}
	for x := e; x != nil; x = x.parent {
		for _, d := range x.decls {
			if d.prefix == prefix {
				return d.uri, true
			}
		}
	}
	return "", prefix == ""
}

// namespace is the element's namespace name.
func (e *element) namespace() string {
	uri, _ := e.lookup(e.prefix)
	return uri
}

func (e *element) is(ns, local string) bool { return e.local == local && e.namespace() == ns }

func (e *element) qname() string { return qname(e.prefix, e.local) }

func qname(prefix, local string) string {
	if prefix == "" {
		return local
	}
	return prefix + ":" + local
}

// attr returns the value of the attribute without a prefix named local.
func (e *element) attr(local string) (string, bool) {
	for _, a := range e.attrs {
		if a.prefix == "" && a.local == local {
			return a.value, true
		}
	}
	return "", false
}

// elements returns the child elements.
func (e *element) elements() []*element {
	var out []*element
	for _, c := range e.children {
		if x, ok := c.(*element); ok {
			out = append(out, x)
		}
	}
	return out
}

// child returns the first child element in namespace ns named local.
func (e *element) child(ns, local string) *element {
	for _, x := range e.elements() {
		if x.is(ns, local) {
			return x
		}
	}
	return nil
}

// textContent joins the element's own text children.
func (e *element) textContent() string {
	var b strings.Builder
	for _, c := range e.children {
		if t, ok := c.(*text); ok {
			b.WriteString(t.data)
		}
	}
	return b.String()
}

// walk calls fn for e and every element below it, in document order,
// until fn returns false.
func (e *element) walk(fn func(*element) bool) bool {
	if !fn(e) {
		return false
	}
	for _, x := range e.elements() {
		if !x.walk(fn) {
			return false
		}
	}
	return true
}

// contains reports whether x is e or below it.
func (e *element) contains(x *element) bool {
	for ; x != nil; x = x.parent {
		if x == e {
			return true
		}
	}
	return false
}
