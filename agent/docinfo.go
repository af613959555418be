package agent

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"unicode/utf8"

	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/internal/displaytext"
)

// maxPreview is how much of a text document the confirmation shows.
const maxPreview = 8 << 10

// describeDocument fills in what the user is shown of a document the
// agent holds: its digest (the one the signature's messageDigest will
// carry), the start of a text, JSON or XML document, and a PDF's page
// count where the file says it plainly. Only what the agent computed
// itself goes into these fields; a page cannot set them.
func describeDocument(f *FileInfo, data, digest []byte, hashAlg string) {
	f.Hash, f.HashAlg = hex.EncodeToString(digest), hashAlg
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		f.PreviewType = "pdf"
		f.Pages = pdfPages(data)
	case isText(data):
		f.Preview, f.PreviewType = preview(data), textKind(data)
	}
}

// isText reports whether data is UTF-8 text without control characters
// other than tab, CR and LF.
func isText(data []byte) bool {
	if len(data) == 0 || !utf8.Valid(data) {
		return false
	}
	for _, b := range data {
		if b < 0x20 && b != '\t' && b != '\n' && b != '\r' {
			return false
		}
	}
	return true
}

// textKind tells JSON and XML from plain text.
func textKind(data []byte) string {
	t := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	switch {
	case len(t) > 0 && (t[0] == '{' || t[0] == '[') && json.Valid(t):
		return "json"
	case bytes.HasPrefix(t, []byte("<")):
		return "xml"
	}
	return "text"
}

// preview is the start of text data, cut at a character boundary and
// cleaned as a block of lines (see internal/displaytext): a document is
// shown, never played to a terminal.
func preview(data []byte) string {
	if len(data) > maxPreview {
		cut := maxPreview
		for cut > 0 && !utf8.RuneStart(data[cut]) {
			cut--
		}
		data = data[:cut]
	}
	return displaytext.Block(string(data))
}

// pdfPages counts the page objects a PDF writes in the open: "/Type",
// optional white space, then "/Page" not followed by a letter, digit or
// underscore (so not the /Pages tree nodes). It is 0 when they are all
// inside compressed object streams and the count is unknown. A plain
// scan: the agent links no regular expression engine for this one use.
func pdfPages(data []byte) int {
	n := 0
	for {
		i := bytes.Index(data, []byte("/Type"))
		if i < 0 {
			return n
		}
		data = data[i+len("/Type"):]
		rest := bytes.TrimLeft(data, "\t\n\f\r ")
		if bytes.HasPrefix(rest, []byte("/Page")) && (len(rest) == len("/Page") || !isWordByte(rest[len("/Page")])) {
			n++
			data = rest[len("/Page"):]
		}
	}
}

// isWordByte reports whether b is an ASCII letter, digit or underscore.
func isWordByte(b byte) bool {
	return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// documentDigest is the digest the key's signature algorithm puts into
// messageDigest, with its name.
func documentDigest(tc Certificate, data []byte) (digest []byte, name string, err error) {
	h, err := cms.NewHash(tc.Cert.PublicKey, 0)
	if err != nil {
		return nil, "", err
	}
	name, _, err = cms.DigestFor(tc.Cert.PublicKey, 0)
	if err != nil {
		return nil, "", err
	}
	h.Write(data)
	return h.Sum(nil), name, nil
}
