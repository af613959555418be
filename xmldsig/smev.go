package xmldsig

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// SMEVTransform is SMEV 3's own transform (the "Методические рекомендации
// по работе с ЕСМЭВ"), which SMEV messages list after Exclusive
// Canonicalization. Its output depends only on the element names'
// namespaces, not on their prefixes:
//   - text nodes of white space only are dropped, comments and processing
//     instructions too; other text is written with &, < and > escaped;
//   - every element is written as a start and an end tag (never <a/>);
//   - prefixes are renamed ns1, ns2, ... in the order the namespaces are
//     first needed, counting through the whole output: an element or
//     attribute whose namespace an output ancestor (or the element itself)
//     already declared reuses that prefix, otherwise the next name is
//     declared on the element; declarations come right after the element's
//     name, in the order they were made;
//   - attributes come sorted: those with a namespace first, by namespace
//     and local name, then those without, by local name; values are
//     written in double quotes with &, <, > and " escaped.
//
// Elements without a namespace are not allowed in SMEV messages and are
// refused.
const SMEVTransform = "urn://smev-gov-ru/xmldsig/transform"

type smevWriter struct {
	buf     bytes.Buffer
	count   int
	exclude *element
}

// smevTransform writes the subtree at apex (the root element when apex
// is nil) through SMEV's transform, leaving out exclude.
func smevTransform(doc *document, apex, exclude *element) ([]byte, error) {
	if apex == nil {
		apex = doc.root
	}
	w := smevWriter{exclude: exclude}
	if err := w.element(apex, nil); err != nil {
		return nil, err
	}
	return w.buf.Bytes(), nil
}

// scope is one element's declarations in the output, innermost first
// when chained.
type scope struct {
	decls  []nsDecl
	parent *scope
}

func (s *scope) prefixOf(uri string) (string, bool) {
	for x := s; x != nil; x = x.parent {
		for _, d := range x.decls {
			if d.uri == uri {
				return d.prefix, true
			}
		}
	}
	return "", false
}

func (w *smevWriter) prefix(sc *scope, uri string) string {
	if p, ok := sc.prefixOf(uri); ok {
		return p
	}
	w.count++
	p := fmt.Sprintf("ns%d", w.count)
	sc.decls = append(sc.decls, nsDecl{p, uri})
	return p
}

func (w *smevWriter) element(e *element, parent *scope) error {
	if e == w.exclude {
		return nil
	}
	uri := e.namespace()
	if uri == "" {
		return fmt.Errorf("%w: element %s has no namespace (SMEV's transform needs one)", ErrUnsupported, e.qname())
	}
	sc := &scope{parent: parent}
	name := w.prefix(sc, uri) + ":" + e.local
	type smevAttr struct{ ns, local, value string }
	attrs := make([]smevAttr, 0, len(e.attrs))
	for _, a := range e.attrs {
		ns := ""
		if a.prefix != "" {
			ns, _ = e.lookup(a.prefix)
		}
		attrs = append(attrs, smevAttr{ns, a.local, a.value})
	}
	sort.SliceStable(attrs, func(i, j int) bool {
		x, y := attrs[i], attrs[j]
		if (x.ns == "") != (y.ns == "") {
			return x.ns != ""
		}
		if x.ns != y.ns {
			return x.ns < y.ns
		}
		return x.local < y.local
	})
	names := make([]string, len(attrs))
	for i, a := range attrs {
		names[i] = a.local
		if a.ns != "" {
			names[i] = w.prefix(sc, a.ns) + ":" + a.local
		}
	}
	w.buf.WriteByte('<')
	w.buf.WriteString(name)
	for _, d := range sc.decls {
		w.buf.WriteString(" xmlns:" + d.prefix + `="`)
		smevEscape(&w.buf, d.uri, true)
		w.buf.WriteByte('"')
	}
	for i, a := range attrs {
		w.buf.WriteString(" " + names[i] + `="`)
		smevEscape(&w.buf, a.value, true)
		w.buf.WriteByte('"')
	}
	w.buf.WriteByte('>')
	for _, n := range e.children {
		switch x := n.(type) {
		case *element:
			if err := w.element(x, sc); err != nil {
				return err
			}
		case *text:
			if strings.Trim(x.data, " \t\r\n") != "" {
				smevEscape(&w.buf, x.data, false)
			}
		}
	}
	w.buf.WriteString("</" + name + ">")
	return nil
}

func smevEscape(b *bytes.Buffer, s string, attr bool) {
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"' && attr:
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
}
