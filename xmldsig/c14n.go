package xmldsig

import (
	"bytes"
	"sort"
	"strings"
)

// Canonicalization methods (W3C Canonical XML 1.0 and Exclusive XML
// Canonicalization 1.0), as XMLDSig names them.
const (
	C14N10            = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
	C14N10Comments    = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"
	ExcC14N10         = "http://www.w3.org/2001/10/xml-exc-c14n#"
	ExcC14N10Comments = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
)

type c14nMethod struct {
	exclusive, comments bool
}

func methodFor(uri string) (c14nMethod, bool) {
	switch uri {
	case C14N10:
		return c14nMethod{}, true
	case C14N10Comments:
		return c14nMethod{comments: true}, true
	case ExcC14N10:
		return c14nMethod{exclusive: true}, true
	case ExcC14N10Comments:
		return c14nMethod{exclusive: true, comments: true}, true
	}
	return c14nMethod{}, false
}

// canonicalize writes the canonical form of the subtree at apex, or of
// the whole document when apex is nil, leaving out the subtree at
// exclude (nil: nothing left out). The ancestors of apex are not part of
// the output; with inclusive canonicalization their namespaces and xml:
// attributes are carried onto apex, as the specification requires of a
// document subset.
func canonicalize(doc *document, apex, exclude *element, m c14nMethod) []byte {
	c := canon{m: m, exclude: exclude}
	if apex != nil {
		c.element(apex, map[string]string{}, true)
		return c.buf.Bytes()
	}
	afterRoot := false
	for _, n := range doc.children {
		switch x := n.(type) {
		case *element:
			c.element(x, map[string]string{}, false)
			afterRoot = true
		case *comment, *procInst:
			if _, ok := x.(*comment); ok && !m.comments {
				continue
			}
			if afterRoot {
				c.buf.WriteByte('\n')
			}
			c.node(x, nil)
			if !afterRoot {
				c.buf.WriteByte('\n')
			}
		}
	}
	return c.buf.Bytes()
}

type canon struct {
	m       c14nMethod
	exclude *element
	buf     bytes.Buffer
}

func (c *canon) node(n node, rendered map[string]string) {
	switch x := n.(type) {
	case *element:
		c.element(x, rendered, false)
	case *text:
		escapeText(&c.buf, x.data)
	case *comment:
		if c.m.comments {
			c.buf.WriteString("<!--")
			c.buf.WriteString(x.data)
			c.buf.WriteString("-->")
		}
	case *procInst:
		c.buf.WriteString("<?")
		c.buf.WriteString(x.target)
		if inst := strings.TrimLeft(x.inst, " \t\r\n"); inst != "" {
			c.buf.WriteByte(' ')
			c.buf.WriteString(inst)
		}
		c.buf.WriteString("?>")
	}
}

// element writes e; rendered holds the namespaces the output ancestors
// of e declared (prefix "" the default), and is not modified.
func (c *canon) element(e *element, rendered map[string]string, apex bool) {
	if e == c.exclude {
		return
	}
	var decls []nsDecl
	if c.m.exclusive {
		decls = c.exclusiveDecls(e, rendered)
	} else {
		decls = inclusiveDecls(e, rendered, apex)
	}
	sort.Slice(decls, func(i, j int) bool { return decls[i].prefix < decls[j].prefix })
	mine := rendered
	if len(decls) > 0 {
		mine = make(map[string]string, len(rendered)+len(decls))
		for k, v := range rendered {
			mine[k] = v
		}
		for _, d := range decls {
			mine[d.prefix] = d.uri
		}
	}
	c.buf.WriteByte('<')
	c.buf.WriteString(e.qname())
	for _, d := range decls {
		if d.prefix == "" {
			c.buf.WriteString(` xmlns="`)
		} else {
			c.buf.WriteString(` xmlns:`)
			c.buf.WriteString(d.prefix)
			c.buf.WriteString(`="`)
		}
		escapeAttr(&c.buf, d.uri)
		c.buf.WriteByte('"')
	}
	attrs := sortedAttrs(e, !c.m.exclusive && apex)
	for _, a := range attrs {
		c.buf.WriteByte(' ')
		c.buf.WriteString(qname(a.prefix, a.local))
		c.buf.WriteString(`="`)
		escapeAttr(&c.buf, a.value)
		c.buf.WriteByte('"')
	}
	c.buf.WriteByte('>')
	for _, n := range e.children {
		c.node(n, mine)
	}
	c.buf.WriteString("</")
	c.buf.WriteString(e.qname())
	c.buf.WriteByte('>')
}

// exclusiveDecls are the namespaces e visibly uses (its own prefix and
// its attributes') that no output ancestor declared with the same value.
func (c *canon) exclusiveDecls(e *element, rendered map[string]string) []nsDecl {
	used := []string{e.prefix}
	for _, a := range e.attrs {
		if a.prefix != "" && a.prefix != "xml" {
			used = append(used, a.prefix)
		}
	}
	var out []nsDecl
	for _, p := range used {
		uri, _ := e.lookup(p)
		if declared(out, p) || !differs(rendered, p, uri) {
			continue
		}
		out = append(out, nsDecl{p, uri})
	}
	return out
}

// inclusiveDecls are the namespaces in scope at e whose value differs
// from what the output ancestors declared: at the apex of a subset, all
// of them.
func inclusiveDecls(e *element, rendered map[string]string, apex bool) []nsDecl {
	scope := map[string]string{}
	var chain []*element
	for x := e; x != nil; x = x.parent {
		chain = append(chain, x)
		if !apex {
			break // the ancestors' declarations are in rendered already
		}
	}
	for i := len(chain) - 1; i >= 0; i-- {
		for _, d := range chain[i].decls {
			scope[d.prefix] = d.uri
		}
	}
	if !apex {
		// What e inherits is what its parent rendered: only e's own
		// declarations can differ.
		for k, v := range rendered {
			if _, ok := scope[k]; !ok {
				scope[k] = v
			}
		}
	}
	var out []nsDecl
	for p, uri := range scope {
		if p == "xml" || !differs(rendered, p, uri) {
			continue
		}
		out = append(out, nsDecl{p, uri})
	}
	return out
}

// differs reports whether declaring prefix p as uri changes what the
// output ancestors declared; an undeclared default namespace is "".
func differs(rendered map[string]string, p, uri string) bool {
	r, ok := rendered[p]
	if !ok {
		return p != "" || uri != ""
	}
	return r != uri
}

func declared(list []nsDecl, p string) bool {
	for _, d := range list {
		if d.prefix == p {
			return true
		}
	}
	return false
}

// sortedAttrs returns e's attributes in canonical order: by namespace
// name, then local name, those without a namespace first. inherit adds
// the xml: attributes of e's ancestors that e does not set (Canonical XML
// 1.0 at the apex of a document subset).
func sortedAttrs(e *element, inherit bool) []attr {
	type keyed struct {
		attr
		ns string
	}
	list := make([]keyed, 0, len(e.attrs))
	for _, a := range e.attrs {
		ns := ""
		if a.prefix != "" {
			ns, _ = e.lookup(a.prefix)
		}
		list = append(list, keyed{a, ns})
	}
	if inherit {
		for x := e.parent; x != nil; x = x.parent {
			for _, a := range x.attrs {
				if a.prefix != "xml" {
					continue
				}
				dup := false
				for _, k := range list {
					if k.ns == nsXML && k.local == a.local {
						dup = true
					}
				}
				if !dup {
					list = append(list, keyed{a, nsXML})
				}
			}
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].ns != list[j].ns {
			return list[i].ns < list[j].ns
		}
		return list[i].local < list[j].local
	})
	out := make([]attr, len(list))
	for i, k := range list {
		out[i] = k.attr
	}
	return out
}

func escapeText(b *bytes.Buffer, s string) {
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\r':
			b.WriteString("&#xD;")
		default:
			b.WriteRune(r)
		}
	}
}

func escapeAttr(b *bytes.Buffer, s string) {
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '"':
			b.WriteString("&quot;")
		case '\t':
			b.WriteString("&#x9;")
		case '\n':
			b.WriteString("&#xA;")
		case '\r':
			b.WriteString("&#xD;")
		default:
			b.WriteRune(r)
		}
	}
}
