package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/zavera/zavera/ui/i18n"
	"github.com/zavera/zavera/ui/wire"
)

// Progress is the window of a batch being signed: the documents, a
// progress bar and Cancel.
type Progress struct {
	w        fyne.Window
	lang     i18n.Lang
	bar      *widget.ProgressBar
	status   *widget.Label
	cancel   *widget.Button
	onCancel func()
	onClosed func()
	total    int
	stopped  bool
	finished bool
	closed   bool
}

// ShowProgress fills w with the progress of signing s's documents and
// shows it. onCancel is called once when the user cancels (the button,
// Escape or closing the window) before Done.
func ShowProgress(w fyne.Window, lang i18n.Lang, origin string, s *wire.Signing, onCancel func()) *Progress {
	total := max(s.Count, len(s.Files))
	p := &Progress{w: w, lang: lang, onCancel: onCancel, total: total}
	w.SetTitle(withOrigin(lang.T(i18n.BatchTitle), origin))
	p.bar = widget.NewProgressBar()
	p.bar.Max = float64(max(total, 1))
	p.status = widget.NewLabel(lang.T(i18n.BatchProgress, 0, total))
	p.cancel = widget.NewButtonWithIcon(lang.T(i18n.Cancel), theme.CancelIcon(), p.stop)
	pr := &Prompt{lang: lang}
	top := container.NewVBox(
		&widget.Label{Text: clean(origin, maxDescriptionCols), TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameHeadingText, Wrapping: fyne.TextWrapBreak},
		widget.NewLabel(lang.N(i18n.SignAsksBatch, total)))
	bottom := container.NewVBox(p.bar, container.NewHBox(p.status, layout.NewSpacer(), p.cancel))
	var middle fyne.CanvasObject = layout.NewSpacer()
	if len(s.Files) > 0 {
		middle = pr.files(s.Files)
	}
	w.SetContent(container.NewPadded(container.NewBorder(top, bottom, nil, nil, middle)))
	w.SetCloseIntercept(p.stop)
	w.SetOnClosed(func() {
		p.closed = true
		p.stop()
		if p.onClosed != nil {
			p.onClosed()
		}
	})
	w.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) {
		if k.Name == fyne.KeyEscape {
			p.stop()
		}
	})
	w.Resize(fyne.NewSize(600, 420))
	w.Show()
	return p
}

// Set shows that done of total documents are signed.
func (p *Progress) Set(done, total int) {
	if total > 0 {
		p.bar.Max = float64(total)
	}
	p.bar.SetValue(float64(done))
	p.status.SetText(p.lang.T(i18n.BatchProgress, done, total))
}

// Update shows what the agent reported: the bar counts the documents
// with a result, the text those signed. Counts outside the batch are
// clamped.
func (p *Progress) Update(u wire.Update) {
	done := min(max(u.Done, 0), p.total)
	failed := min(max(u.Failed, 0), done)
	p.bar.SetValue(float64(done))
	p.status.SetText(p.lang.T(i18n.BatchProgress, done-failed, p.total))
}

// SetOnClosed sets what to do once the window is gone, whatever closed it.
func (p *Progress) SetOnClosed(f func()) { p.onClosed = f }

// End closes the window without cancelling: the batch is over, or its
// agent went away.
func (p *Progress) End() {
	p.finished = true
	if !p.closed {
		p.closed = true
		p.w.Close()
	}
}

// Window returns the progress window.
func (p *Progress) Window() fyne.Window { return p.w }

// CancelButton returns Cancel (Close once finished).
func (p *Progress) CancelButton() fyne.Tappable { return p.cancel }

// Status returns the text under the bar.
func (p *Progress) Status() string { return p.status.Text }

// Finished reports whether Done or End was called.
func (p *Progress) Finished() bool { return p.finished }

// Done marks the batch finished: Cancel becomes Close.
func (p *Progress) Done() {
	p.finished = true
	p.status.SetText(p.lang.T(i18n.BatchDone))
	p.bar.SetValue(p.bar.Max)
	p.cancel.SetText(p.lang.T(i18n.Close))
	p.cancel.SetIcon(theme.ConfirmIcon())
}

// stop cancels the batch once, or closes the window after Done.
func (p *Progress) stop() {
	if p.finished {
		if !p.closed {
			p.closed = true
			p.w.Close()
		}
		return
	}
	if p.stopped {
		return
	}
	p.stopped = true
	p.cancel.Disable()
	if p.onCancel != nil {
		p.onCancel()
	}
}

// Cancelled reports whether the user cancelled.
func (p *Progress) Cancelled() bool { return p.stopped }
