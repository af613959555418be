// Package displaytext makes text that Zavera did not write itself safe to
// show on a terminal or in a window: what a web page sends (a description,
// file names), what a document holds (a preview) and what a token's
// certificate says (owner, organisation, title).
//
// # Rules
//
// Such text must never be able to draw something that looks like
// Zavera's own words, hide where a request comes from, or move it off the
// screen. Line and Block therefore remove
//
//   - terminal escape sequences whole (ESC and CSI, OSC, DCS, SOS, PM and
//     APC sequences with their parameters and strings, in their 7-bit and
//     C1 forms), and every other C0 and C1 control character;
//   - bidirectional embeddings, overrides, isolates and marks, zero-width
//     characters, the other format characters (Unicode category Cf, tag
//     characters included), private-use and unassigned code points,
//     variation selectors and the other default-ignorable code points;
//   - combining marks beyond three on one character;
//
// and collapse runs of white space. Line makes one line; Block keeps line
// breaks (for a document's preview) but at most one empty line in a row.
// Invalid UTF-8 is dropped. The result of either is unchanged by a second
// pass.
//
// Width counts terminal columns (East Asian wide and full-width
// characters take two, combining marks none); Truncate and Wrap cap text
// to a number of columns and lines, marking a cut with "…".
//
// Every function is pure and safe for concurrent use. The agent cleans
// page text when it reads a request, and the terminal and the windows
// clean again what they show, so that no path reaches the screen
// uncleaned.
package displaytext
