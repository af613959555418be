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
	stopped  bool
	finished bool
	closed   bool
}

// ShowProgress fills w with the progress of signing s's documents and
// shows it. onCancel is called once when the user cancels (the button,
// Escape or closing the window) before Done.
func ShowProgress(w fyne.Window, lang i18n.Lang, origin string, s *wire.Signing, onCancel func()) *Progress {
	p := &Progress{w: w, lang: lang, onCancel: onCancel}
	total := max(s.Count, len(s.Files))
	w.SetTitle(lang.T(i18n.BatchTitle))
	p.bar = widget.NewProgressBar()
	p.bar.Max = float64(max(total, 1))
	p.status = widget.NewLabel(lang.T(i18n.BatchProgress, 0, total))
	p.cancel = widget.NewButtonWithIcon(lang.T(i18n.Cancel), theme.CancelIcon(), p.stop)
	pr := &Prompt{lang: lang}
	top := container.NewVBox(
		&widget.Label{Text: origin, TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameHeadingText, Wrapping: fyne.TextWrapBreak},
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
