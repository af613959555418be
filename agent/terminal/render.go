package terminal

import (
	"fmt"
	"strings"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/internal/displaytext"
)

// The layout of a prompt on an 80×24 terminal. Values start after a label
// column and take at most valueCols columns, so that no line is wider
// than 79 columns and none wraps. The caps keep a confirmation, its
// question included, within screenLines lines whatever the page sent,
// leaving the last line of the screen for the answer:
//
//	blank line, header                  2
//	description                         maxDescLines (fewer if needed)
//	documents (digests, a preview)      at most 10
//	names the page declared             maxDeclaredLines
//	certificate                         maxCertLines
//	site                                1 (up to 8 for a 512-byte origin)
//	question                            1
//
// The description gives up lines first when the rest needs them; the
// site is never cut.
const (
	screenLines      = 23
	labelCols        = 15
	valueCols        = 64
	maxDescLines     = 6
	maxPreviewLines  = 3
	maxBatchListed   = 3
	maxDeclaredLines = 2
	maxCertLines     = 2
)

// section is labelled lines of a prompt.
type section []string

// add appends a labelled value: the first line after the label (at most
// labelCols-3 columns), the others indented under it.
func (s *section) add(label string, lines []string) {
	label = displaytext.Truncate(label, labelCols-3)
	pad := strings.Repeat(" ", labelCols-3-displaytext.Width(label))
	for i, l := range lines {
		if i == 0 {
			*s = append(*s, "  "+label+pad+" "+l)
		} else {
			*s = append(*s, fmt.Sprintf("%*s%s", labelCols, "", l))
		}
	}
}

// block writes a labelled value to b.
func block(b *strings.Builder, label string, lines []string) {
	var s section
	s.add(label, lines)
	for _, l := range s {
		b.WriteString(l + "\n")
	}
}

// text cleans page or token text and wraps it to the value column.
func text(s string, maxLines int) []string {
	return displaytext.Wrap(displaytext.Line(s), valueCols, maxLines)
}

// chunks cuts s (a digest, or an origin, which have no spaces to wrap
// at) into lines of at most n columns; it is never cut short.
func chunks(s string, n int) []string {
	var out []string
	for displaytext.Width(s) > n {
		head, rest := displaytext.Cut(s, n)
		if head == "" {
			break
		}
		out = append(out, head)
		s = rest
	}
	return append(out, s)
}

// renderSigning writes the confirmation of a signature, a batch or a
// login. What the page wrote is cleaned and capped; each document comes
// with the digest the agent computed; the site comes last.
func renderSigning(r agent.SigningRequest, now time.Time) string {
	n := max(r.Count, len(r.Files))
	header, question := "== Zavera: request to sign a document ==", "Sign?"
	switch r.Kind {
	case agent.SignBatch:
		header, question = fmt.Sprintf("== Zavera: request to sign %d documents ==", n), fmt.Sprintf("Sign these %d documents?", n)
	case agent.SignChallenge:
		header, question = "== Zavera: request to log in with your certificate ==", "Log in?"
	case agent.SignCosign:
		header, question = "== Zavera: request to add your signature to a document ==", "Add your signature?"
	case agent.SignRaw:
		header = "== Zavera: request for a signature WITHOUT A CONTAINER ==\n" +
			"   The site can use it for any purpose. Sign only if your organisation\n" +
			"   requires it for this site."
		question = "Make a raw signature?"
	}
	var declared section
	if len(r.Declared) > 0 {
		names := make([]string, len(r.Declared))
		for i, f := range r.Declared {
			names[i] = fmt.Sprintf("%s (%s)", displaytext.Truncate(displaytext.Line(f.Name), valueCols/2), size(f.Size))
		}
		declared.add("Page labels:", displaytext.Wrap(strings.Join(names, ", "), valueCols, maxDeclaredLines))
	}
	if len(r.Cosigners) > 0 {
		names := make([]string, len(r.Cosigners))
		for i, n := range r.Cosigners {
			names[i] = displaytext.Truncate(displaytext.Line(n), valueCols/2)
		}
		declared.add("Signed by:", displaytext.Wrap(strings.Join(names, ", "), valueCols, maxDeclaredLines))
	}
	var tail section
	tail.add("Certificate:", text(describe(r.Certificate, now), maxCertLines))
	tail.add("Site:", chunks(r.Origin, valueCols))

	// What is left of the screen goes to the documents, then to the
	// description, which keeps at least a line.
	desc := text(r.Description, maxDescLines)
	room := screenLines - 2 - (strings.Count(header, "\n") + 1) - len(declared) - len(tail) // blank, header, question
	docRoom := room - min(len(desc), 1)
	var docs section
	if len(r.Files) == 1 && r.Kind != agent.SignBatch {
		document(&docs, "Document:", r.Files[0], docRoom)
	} else {
		for i, f := range r.Files {
			var d section
			document(&d, fmt.Sprintf("%d.", i+1), f, 0)
			more := 0
			if i < len(r.Files)-1 {
				more = 1 // room for the "more" line
			}
			if i == maxBatchListed && len(r.Files) > maxBatchListed+1 || len(docs)+len(d)+more > docRoom {
				docs = append(docs, fmt.Sprintf("%*s... and %d more documents, not listed here", labelCols, "", len(r.Files)-i))
				break
			}
			docs = append(docs, d...)
		}
	}
	var what section
	if n := min(len(desc), room-len(docs)); n > 0 {
		what.add("What:", text(r.Description, n))
	}

	var b strings.Builder
	b.WriteString("\n" + header + "\n")
	for _, s := range []section{what, docs, declared, tail} {
		for _, l := range s {
			b.WriteString(l + "\n")
		}
	}
	b.WriteString(question)
	return b.String()
}

// document writes one document: its name as the page gave it, its size
// and page count, the agent's digest of it and, when room is left of the
// lines the document may take, a preview.
func document(s *section, label string, f agent.FileInfo, lines int) {
	start := len(*s)
	meta := size(f.Size)
	if f.Pages > 0 {
		meta += fmt.Sprintf(", %d pages", f.Pages)
	}
	name := displaytext.Line(f.Name)
	if name == "" {
		name = "(no name)"
	}
	meta = " (" + meta + ")"
	s.add(label, []string{displaytext.Truncate(name, valueCols-displaytext.Width(meta)) + meta})
	if f.Hash != "" {
		alg := displaytext.Truncate(displaytext.Line(f.HashAlg), labelCols-3)
		if alg == "" {
			alg = "Digest"
		}
		s.add(alg, chunks(displaytext.Truncate(displaytext.Line(f.Hash), 2*valueCols), valueCols))
	}
	if room := min(lines-(len(*s)-start), maxPreviewLines); room > 0 && f.Preview != "" {
		s.add("Contents:", displaytext.WrapBlock(displaytext.Block(f.Preview), valueCols, room))
	}
}

// renderPairing writes the question for a new site.
func renderPairing(r agent.OriginRequest) string {
	var b strings.Builder
	b.WriteString("\n== Zavera: a new site asks to use your signing tokens ==\n")
	block(&b, "Code:", []string{displaytext.Line(r.PairingCode) + "  (the page must show the same code)"})
	block(&b, "Site:", chunks(r.Origin, valueCols))
	b.WriteString("Allow this site?")
	return b.String()
}

// renderPIN writes the PIN question.
func renderPIN(r agent.PINRequest) string {
	var b strings.Builder
	if r.Retry {
		if r.TriesLeft >= 0 {
			fmt.Fprintf(&b, "Wrong PIN: %d tries left before the token locks.\n", r.TriesLeft)
		} else {
			b.WriteString("Wrong PIN.\n")
		}
	}
	if r.Origin != "" {
		block(&b, "Site:", chunks(r.Origin, valueCols))
	}
	fmt.Fprintf(&b, "PIN for token %q (empty to cancel): ", displaytext.Truncate(displaytext.Line(r.Token.Label), 32))
	return b.String()
}

// renderNotice writes a notice, at most three lines of it.
func renderNotice(n agent.Notice) string {
	msg := strings.Join(displaytext.Wrap(displaytext.Line(n.Message), 76, 3), "\n  ")
	if n.Origin != "" {
		return fmt.Sprintf("\nZavera (%s):\n  %s\n", displaytext.Line(n.Origin), msg)
	}
	return "\nZavera: " + msg + "\n"
}

// describe names a certificate the way a user recognises it. Its fields
// come from the token and are cleaned like page text.
func describe(c *cert.Certificate, now time.Time) string {
	if c == nil {
		return "(unknown)"
	}
	s := c.Subject
	field := func(v string) string { return displaytext.Truncate(displaytext.Line(v), valueCols) }
	parts := []string{field(s.CommonName)}
	if t := field(s.Title); t != "" {
		parts = append(parts, t)
	}
	if o := field(s.Organization); o != "" {
		parts = append(parts, o)
	}
	if inn := s.OrganizationINN(); inn != "" {
		parts = append(parts, "INN "+field(inn))
	} else if inn := s.PersonINN(); inn != "" {
		parts = append(parts, "INN "+field(inn))
	}
	d := strings.Join(parts, ", ")
	d += fmt.Sprintf("; %s; valid until %s", c.KeyString(), c.NotAfter.Format("2006-01-02"))
	if err := c.ValidAt(now); err != nil {
		d = "NOT VALID NOW: " + d
	}
	return d
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}
