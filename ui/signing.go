package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/zavera/zavera/internal/displaytext"
	"github.com/zavera/zavera/ui/i18n"
	"github.com/zavera/zavera/ui/wire"
)

// maxFilesListed is how many files the window lists one by one before it
// switches to a scrolling list.
const maxFilesListed = 4

// signing builds the confirmation window: the description, the
// documents with their digests, the names the page gave, the certificate;
// then, last and outside the scrolling part, the site, the question and
// the PIN field (or the PIN pad notice). The title names the site too.
func (p *Prompt) signing() fyne.CanvasObject {
	l, s := p.lang, p.req.Signing
	title, asks, button := i18n.SignTitleDocument, l.T(i18n.SignAsksDocument), i18n.SignButton
	switch s.What {
	case "batch":
		title, asks = i18n.SignTitleBatch, l.N(i18n.SignAsksBatch, max(s.Count, len(s.Files)))
	case "login":
		title, asks, button = i18n.SignTitleLogin, l.T(i18n.SignAsksLogin), i18n.LoginButton
	case "cosign":
		title, asks = i18n.SignTitleCosign, l.T(i18n.SignAsksCosign)
	case "raw":
		title, asks = i18n.SignTitleRaw, l.T(i18n.SignAsksRaw)
	}
	p.w.SetTitle(withOrigin(l.T(title), p.req.Origin))

	var top []fyne.CanvasObject
	if c := s.Certificate; c != nil {
		// A certificate that is not valid or ends soon is said at once,
		// not only in the card further down.
		if w := certWarning(l, c, p.now); w != "" {
			top = append(top, &widget.Label{Text: w, Importance: widget.DangerImportance, TextStyle: fyne.TextStyle{Bold: true}})
		}
	}

	if s.What == "raw" {
		// A raw signature is said before anything the page wrote.
		top = append(top, &widget.Label{Text: l.T(i18n.SignRawWarning), Importance: widget.DangerImportance,
			TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord})
	}

	var body []fyne.CanvasObject
	if desc := clean(s.Description, maxDescriptionCols); desc != "" {
		d := widget.NewLabel(desc)
		d.Wrapping = fyne.TextWrapWord
		body = append(body, sectionTitle(l.T(i18n.SignWhat)), d)
	}
	if len(s.Files) > 0 {
		body = append(body, sectionTitle(l.T(i18n.SignFiles)), p.files(s.Files))
	}
	if len(s.Declared) > 0 {
		body = append(body, sectionTitle(l.T(i18n.SignDeclared)), declaredList(l, s.Declared))
	}
	if len(s.Cosigners) > 0 {
		names := ""
		for i, n := range s.Cosigners {
			if i > 0 {
				names += ", "
			}
			names += clean(n, maxNameCols)
		}
		body = append(body, sectionTitle(l.T(i18n.SignCosigners)),
			&widget.Label{Text: clean(names, maxDescriptionCols), Wrapping: fyne.TextWrapWord})
	}
	body = append(body, sectionTitle(l.T(i18n.CertTitle)), certCard(l, s.Certificate, p.now))

	cancel := widget.NewButtonWithIcon(l.T(i18n.Cancel), theme.CancelIcon(), func() { p.finish(wire.Refuse, nil) })
	sign := widget.NewButtonWithIcon(l.T(button), theme.ConfirmIcon(), p.confirm)
	sign.Importance = widget.HighImportance
	p.primary, p.cancel = sign, cancel

	origin := &widget.Label{Text: displaytext.Line(p.req.Origin), TextStyle: fyne.TextStyle{Bold: true},
		SizeName: theme.SizeNameHeadingText, Wrapping: fyne.TextWrapBreak}
	bottom := []fyne.CanvasObject{widget.NewSeparator(), origin, widget.NewLabel(asks)}
	if f := p.req.PIN; f != nil {
		bottom = append(bottom, p.pinPart(f)...)
	}
	bottom = append(bottom, container.NewHBox(cancel, layout.NewSpacer(), sign))

	p.w.Resize(fyne.NewSize(600, 680))
	scroll := container.NewVScroll(container.NewVBox(body...))
	return container.NewPadded(container.NewBorder(
		container.NewVBox(top...), container.NewVBox(bottom...), nil, nil, scroll))
}

// declaredList shows the names a page gave for the one document signed,
// as its labels.
func declaredList(l i18n.Lang, fs []wire.File) fyne.CanvasObject {
	names := ""
	for i := range fs {
		if i > 0 {
			names += ", "
		}
		names += clean(fs[i].Name, maxNameCols) + " (" + sizeText(l, fs[i].Size) + ")"
	}
	hint := &widget.Label{Text: l.T(i18n.SignDeclaredHint), Wrapping: fyne.TextWrapWord, SizeName: theme.SizeNameCaptionText}
	return container.NewVBox(&widget.Label{Text: clean(names, maxDescriptionCols), Wrapping: fyne.TextWrapWord}, hint)
}

// pinPart is the PIN field with the tries left, or the PIN pad notice.
func (p *Prompt) pinPart(f *wire.PINField) []fyne.CanvasObject {
	l := p.lang
	if f.PINPad {
		p.padShown = true
		pad := widget.NewLabel(l.T(i18n.PINPad))
		pad.Wrapping = fyne.TextWrapWord
		pad.TextStyle.Bold = true
		return []fyne.CanvasObject{container.NewBorder(nil, nil, widget.NewIcon(theme.InfoIcon()), nil, pad)}
	}
	labelKey, placeholder, wrong := i18n.PINLabel, i18n.PINPlaceholder, i18n.PINWrong
	if f.Password {
		labelKey, placeholder, wrong = i18n.PasswordLabel, i18n.PasswordPlaceholder, i18n.PasswordWrong
	}
	label := l.T(labelKey)
	if tok := clean(f.Token, maxNameCols); tok != "" {
		label += fmt.Sprintf(" (%s)", tok)
	}
	p.pin = newPINEntry(l.T(placeholder), p.confirm, func() { p.finish(wire.Refuse, nil) })
	out := []fyne.CanvasObject{widget.NewLabel(label), p.pin}
	var warn string
	if f.Retry {
		warn = l.T(wrong)
	}
	if f.TriesLeft >= 0 {
		p.tries = l.N(i18n.PINTriesLeft, f.TriesLeft)
		if warn != "" {
			warn += " "
		}
		warn += p.tries
	}
	if warn != "" {
		t := &widget.Label{Text: warn, Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord}
		if f.Retry || f.TriesLeft <= 2 {
			t.TextStyle.Bold = true
		}
		out = append(out, t)
	}
	return out
}

// files lists the documents, each with the agent's digest of it: one
// block each for a few, a scrolling list for a batch, in which every
// document can be reached.
func (p *Prompt) files(fs []wire.File) fyne.CanvasObject {
	l := p.lang
	if len(fs) <= maxFilesListed {
		var parts []fyne.CanvasObject
		for i := range fs {
			parts = append(parts, fileBlock(l, &fs[i], len(fs) == 1))
		}
		return container.NewVBox(parts...)
	}
	list := widget.NewList(
		func() int { return len(fs) },
		func() fyne.CanvasObject {
			return container.NewVBox(
				container.NewBorder(nil, nil, nil, widget.NewLabel(""), &widget.Label{Truncation: fyne.TextTruncateEllipsis}),
				&widget.Label{TextStyle: fyne.TextStyle{Monospace: true}, Wrapping: fyne.TextWrapBreak, SizeName: theme.SizeNameCaptionText})
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			c := o.(*fyne.Container)
			row := c.Objects[0].(*fyne.Container)
			row.Objects[0].(*widget.Label).SetText(fmt.Sprintf("%d. %s", i+1, fileName(l, &fs[i])))
			row.Objects[1].(*widget.Label).SetText(fileMeta(l, &fs[i]))
			c.Objects[1].(*widget.Label).SetText(hashText(l, &fs[i]))
		})
	list.HideSeparators = false
	p.fileList = list
	return container.NewGridWrap(fyne.NewSize(540, 260), list)
}

// fileName is a document's name as the page gave it, cleaned.
func fileName(l i18n.Lang, f *wire.File) string {
	if n := clean(f.Name, maxNameCols); n != "" {
		return n
	}
	return l.T(i18n.SignNoName)
}

// hashText is the digest with its algorithm's name, "" when none.
func hashText(l i18n.Lang, f *wire.File) string {
	h := clean(f.Hash, 256)
	if h == "" {
		return ""
	}
	alg := l.T(i18n.SignHash)
	if a := clean(f.HashAlg, 32); a != "" {
		alg += " " + a
	}
	return alg + ": " + h
}

// fileMeta is the size and, for a PDF, the page count.
func fileMeta(l i18n.Lang, f *wire.File) string {
	meta := sizeText(l, f.Size)
	if f.Pages > 0 {
		meta += ", " + l.N(i18n.SignPages, f.Pages)
	}
	return meta
}

// fileBlock shows one document: name, size, digest and a preview.
func fileBlock(l i18n.Lang, f *wire.File, open bool) fyne.CanvasObject {
	name := &widget.Label{Text: fileName(l, f), TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapBreak}
	parts := []fyne.CanvasObject{container.NewBorder(nil, nil, widget.NewIcon(theme.FileIcon()), widget.NewLabel(fileMeta(l, f)), name)}
	if h := hashText(l, f); h != "" {
		parts = append(parts, &widget.Label{Text: h, TextStyle: fyne.TextStyle{Monospace: true}, Wrapping: fyne.TextWrapBreak, SizeName: theme.SizeNameCaptionText})
	}
	if pv := cleanBlock(f.Preview); pv != "" {
		label := &widget.Label{Text: pv, TextStyle: fyne.TextStyle{Monospace: true}, Wrapping: fyne.TextWrapBreak}
		item := widget.NewAccordionItem(l.T(i18n.SignPreview), container.NewGridWrap(fyne.NewSize(520, 160), container.NewVScroll(label)))
		item.Open = open
		parts = append(parts, widget.NewAccordion(item))
	}
	return container.NewVBox(parts...)
}

func sectionTitle(s string) fyne.CanvasObject {
	return &widget.Label{Text: s, TextStyle: fyne.TextStyle{Bold: true}, Importance: widget.MediumImportance}
}
