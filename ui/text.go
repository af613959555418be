package ui

import (
	"github.com/zavera/zavera/internal/displaytext"
)

// Caps on what the windows show of text Zavera did not write. The agent
// has cleaned it already; the windows clean it again (internal/displaytext)
// so that no path reaches the screen uncleaned.
const (
	maxDescriptionCols = 600 // about eight lines of the signing window
	maxNameCols        = 120
	maxPreviewLines    = 200
)

// clean is text from a page or a token made one line, cut to cols
// columns.
func clean(s string, cols int) string {
	return displaytext.Truncate(displaytext.Line(s), cols)
}

// cleanBlock is a document's preview cleaned, its line breaks kept, at
// most maxPreviewLines lines.
func cleanBlock(s string) string {
	lines := displaytext.WrapBlock(displaytext.Block(s), 100, maxPreviewLines)
	out := ""
	for i, l := range lines {
		if i > 0 {
			out += "\n"
		}
		out += l
	}
	return out
}

// withOrigin is a window title naming the site the request comes from.
func withOrigin(title, origin string) string {
	if origin = displaytext.Line(origin); origin == "" {
		return title
	}
	return title + " — " + origin
}
