package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/zavera/zavera/internal/appconf"
	"github.com/zavera/zavera/ui/i18n"
)

// The progress bar of `zavera sign` on stderr, drawn only when stderr is
// a terminal (never into a pipe or a file): the files signed so far when
// there are several, and for a large file the share of it read (the
// signature hashes the file as it reads it), with the rate. Texts are in
// the UI's language. It is used by the one goroutine that signs.

const (
	// progressMinBytes is the size from which a file gets a bar of its
	// own: a smaller one is signed before a bar would be seen.
	progressMinBytes = 8 << 20
	// progressEvery is how often a file's bar is redrawn at most.
	progressEvery = 200 * time.Millisecond
	// barWidth is the bar's length in characters.
	barWidth = 30
)

// progress draws the bar; a zero-value-like one that is off draws nothing.
type progress struct {
	w     io.Writer
	lang  i18n.Lang
	total int
	on    bool // w is a terminal
	drawn bool // a line is on the screen
	index int  // the file being signed, from 0
	name  string
	now   func() time.Time
}

func newProgress(w io.Writer, total int, lang i18n.Lang) *progress {
	p := &progress{w: w, total: total, lang: lang, now: time.Now}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.on = true
		}
	}
	return p
}

// cliLang is the language of the command line's texts: the UI's setting,
// else the system's.
func cliLang() i18n.Lang {
	cfg, err := appconf.LoadConfig("")
	if err != nil {
		return i18n.Detect(os.Getenv)
	}
	return appconf.Language(cfg)
}

// shortName is a file's name as the bar shows it.
func shortName(name string) string {
	name = filepath.Base(name)
	if r := []rune(name); len(r) > 40 {
		name = "..." + string(r[len(r)-37:])
	}
	return name
}

func bar(done, total int64) string {
	n := 0
	if total > 0 {
		n = int(done * barWidth / total)
	}
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", barWidth-n) + "]"
}

// show starts file index (from 0) of a batch: its place in the batch.
func (p *progress) show(index int, name string) {
	p.index, p.name = index, name
	if !p.on || p.total < 2 {
		return
	}
	p.drawn = true
	fmt.Fprintf(p.w, "\r\x1b[K%s %d/%d %s", bar(int64(index), int64(p.total)), index, p.total, shortName(name))
}

// reader follows the reading of the current file, of size bytes, when
// the bar is on and the file is large.
func (p *progress) reader(r io.Reader, size int64) io.Reader {
	if !p.on || size < progressMinBytes {
		return r
	}
	fr := &fileProgress{p: p, r: r, size: size, start: p.now()}
	fr.draw()
	return fr
}

// fileProgress counts a file's bytes as the signature reads them.
type fileProgress struct {
	p        *progress
	r        io.Reader
	size     int64
	read     int64
	start    time.Time
	lastDraw time.Time
}

func (f *fileProgress) Read(b []byte) (int, error) {
	n, err := f.r.Read(b)
	f.read += int64(n)
	if f.read >= f.size || f.p.now().Sub(f.lastDraw) >= progressEvery {
		f.draw()
	}
	return n, err
}

// draw writes the file's bar: share, per cent, rate in MB/s (of 10^6
// bytes), name, and its place in a batch.
func (f *fileProgress) draw() {
	p := f.p
	f.lastDraw = p.now()
	done := min(f.read, f.size)
	rate := 0.0
	if secs := f.lastDraw.Sub(f.start).Seconds(); secs > 0 {
		rate = float64(done) / 1e6 / secs
	}
	num := strconv.FormatFloat(rate, 'f', 1, 64)
	if p.lang == i18n.Russian {
		num = strings.Replace(num, ".", ",", 1)
	}
	line := fmt.Sprintf("%s %3d%%  %s  %s", bar(done, f.size), done*100/f.size, p.lang.T(i18n.CLIRate, num), shortName(p.name))
	if p.total > 1 {
		line += " (" + p.lang.T(i18n.CLIFileOfMany, p.index+1, p.total) + ")"
	}
	p.drawn = true
	fmt.Fprint(p.w, "\r\x1b[K"+line)
}

// clear removes the bar before a line of output.
func (p *progress) clear() {
	if p.on && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// done ends a batch with its count.
func (p *progress) done(signed int) {
	if p.on && p.total > 1 {
		fmt.Fprint(p.w, "\r\x1b[K"+p.lang.T(i18n.CLIFilesDone, signed, p.total)+"\n")
		p.drawn = false
	}
}
