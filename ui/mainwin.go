package ui

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/zavera/zavera/ui/i18n"
)

// Main is the main window: tokens and certificates, software keys,
// approved sites, journal, settings and diagnostics.
type Main struct {
	w    fyne.Window
	lang i18n.Lang
	b    Backend
	now  time.Time
	tabs *container.AppTabs

	tokensBox, sitesBox, diagBox *fyne.Container
	journal                      []JournalEntry
	journalList                  *widget.List
	shown                        []int // indexes of journal entries matching the search
	search                       *widget.Entry
	count                        *widget.Label

	modules                    *widget.Entry
	port                       *widget.Entry
	language                   *widget.Select
	startAtLogin               *widget.Check
	save                       *widget.Button
	settingsMsg                *widget.Label
	revokeButtons              map[string]*widget.Button
	langValues                 []string
	expiring                   []string // owners of certificates that expire soon
	tokensTab, sitesTab        *container.TabItem
	journalTab, settingsTab    *container.TabItem
	diagnosticsTab             *container.TabItem
	refreshDiag                *widget.Button
	lastDiag                   Diagnosis
	tokenErr, sitesErr, jouErr error

	// The software keys section (see keyfiles.go), when the Backend
	// implements KeyFiles.
	keysBox                       *fyne.Container
	addKeyButton, addFolderButton *widget.Button
	removeKeyButtons              map[string]*widget.Button
	keyErr                        error
	keyPassword                   *KeyPassword // the open password window, nil when none
	// moveKeyButtons are the «Перенести на токен» buttons by key ID (see
	// keymove.go); keyMove the open move window, nil when none;
	// keyNotice what the last move left to say (keyNoticeFailed when it
	// failed).
	moveKeyButtons  map[string]*widget.Button
	keyMove         *KeyMove
	keyNotice       string
	keyNoticeFailed bool

	// logins is the «Показать сертификаты» action (see tokenlogin.go).
	logins tokenLogins
}

// ShowMain fills w with the main window and shows it.
func ShowMain(w fyne.Window, lang i18n.Lang, b Backend, now time.Time) *Main {
	m := &Main{w: w, lang: lang, b: b, now: now, revokeButtons: map[string]*widget.Button{},
		logins: tokenLogins{buttons: map[string]*widget.Button{}, notes: map[string]string{}}}
	w.SetTitle(lang.T(i18n.MainTitle))
	m.tokensBox = container.NewVBox()
	m.sitesBox = container.NewVBox()
	m.diagBox = container.NewVBox()
	m.keysBox = container.NewVBox()
	m.tokensTab = container.NewTabItemWithIcon(lang.T(i18n.TabTokens), theme.AccountIcon(), container.NewVScroll(container.NewVBox(m.tokensBox, m.keysBox)))
	m.sitesTab = container.NewTabItemWithIcon(lang.T(i18n.TabSites), theme.ComputerIcon(), container.NewVScroll(m.sitesBox))
	m.journalTab = container.NewTabItemWithIcon(lang.T(i18n.TabJournal), theme.ListIcon(), m.journalPage())
	m.settingsTab = container.NewTabItemWithIcon(lang.T(i18n.TabSettings), theme.SettingsIcon(), m.settingsPage())
	m.refreshDiag = widget.NewButtonWithIcon(lang.T(i18n.DiagRefresh), theme.ViewRefreshIcon(), m.RefreshDiagnostics)
	m.diagnosticsTab = container.NewTabItemWithIcon(lang.T(i18n.TabDiagnostics), theme.InfoIcon(),
		container.NewBorder(nil, container.NewHBox(m.refreshDiag), nil, nil, container.NewVScroll(m.diagBox)))
	m.tabs = container.NewAppTabs(m.tokensTab, m.sitesTab, m.journalTab, m.settingsTab, m.diagnosticsTab)
	m.tabs.OnSelected = func(t *container.TabItem) {
		if t == m.diagnosticsTab && len(m.diagBox.Objects) == 0 {
			m.RefreshDiagnostics()
		}
	}
	m.Refresh()
	w.SetContent(m.tabs)
	w.Resize(fyne.NewSize(760, 560))
	w.Show()
	return m
}

// Refresh reloads the tokens, sites and journal.
func (m *Main) Refresh() {
	m.refreshTokens()
	m.refreshKeyFiles()
	m.refreshSites()
	m.refreshJournal()
}

// Expiring lists the owners of certificates that end within
// ExpiryWarning, for the daily notification.
func (m *Main) Expiring() []string { return m.expiring }

func (m *Main) refreshTokens() {
	l := m.lang
	m.tokensBox.RemoveAll()
	m.expiring = nil
	m.logins.buttons = map[string]*widget.Button{}
	toks, err := m.b.Tokens()
	m.tokenErr = err
	if err != nil {
		m.tokensBox.Add(errorLabel(l, err))
	}
	if len(toks) == 0 && err == nil {
		m.tokensBox.Add(widget.NewLabel(l.T(i18n.NoTokens)))
	}
	for _, t := range toks {
		// What a token says of itself is cleaned like page text.
		head := clean(t.Label, maxNameCols)
		if m := clean(t.Model, maxNameCols); m != "" {
			head += " — " + m
		}
		if s := clean(t.Serial, maxNameCols); s != "" {
			head += " (" + s + ")"
		}
		var parts []fyne.CanvasObject
		if t.PINLocked {
			parts = append(parts, &widget.Label{Text: l.T(i18n.TokenPINLocked), Importance: widget.DangerImportance, TextStyle: fyne.TextStyle{Bold: true}})
		}
		if b := m.loginButton(t); b != nil {
			parts = append(parts, &widget.Label{Text: l.T(i18n.TokenCertsAfterLogin), Wrapping: fyne.TextWrapWord}, b)
			if note := m.logins.notes[t.ID]; note != "" {
				parts = append(parts, &widget.Label{Text: note, Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord})
			}
		} else if t.CertificatesAfterLogin && len(t.Certificates) == 0 {
			// A window not opened by the agent cannot log the agent in.
			parts = append(parts, &widget.Label{Text: l.T(i18n.TokenCertsFromTray), Wrapping: fyne.TextWrapWord})
		} else if len(t.Certificates) == 0 {
			parts = append(parts, widget.NewLabel(l.T(i18n.TokenNoCerts)))
		}
		for i := range t.Certificates {
			c := &t.Certificates[i]
			if certWarning(l, c, m.now) != "" && !m.now.After(c.NotAfter) {
				m.expiring = append(m.expiring, c.Owner)
			}
			if i > 0 {
				parts = append(parts, widget.NewSeparator())
			}
			parts = append(parts, certCard(l, c, m.now))
		}
		m.tokensBox.Add(widget.NewCard(head, "", container.NewVBox(parts...)))
	}
	m.tokensBox.Refresh()
}

func (m *Main) refreshSites() {
	l := m.lang
	m.sitesBox.RemoveAll()
	m.revokeButtons = map[string]*widget.Button{}
	sites, err := m.b.Sites()
	m.sitesErr = err
	if err != nil {
		m.sitesBox.Add(errorLabel(l, err))
	}
	if len(sites) == 0 && err == nil {
		m.sitesBox.Add(widget.NewLabel(l.T(i18n.NoSites)))
	}
	for _, s := range sites {
		name := &widget.Label{Text: clean(s.Origin, maxNameCols*2), TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}
		if s.Configured {
			m.sitesBox.Add(container.NewBorder(nil, nil, nil, widget.NewLabel(l.T(i18n.SiteConfigured)), name))
			continue
		}
		origin := s.Origin
		b := widget.NewButtonWithIcon(l.T(i18n.Revoke), theme.DeleteIcon(), func() {
			if err := m.b.Revoke(origin); err != nil {
				m.sitesBox.Add(errorLabel(l, err))
				return
			}
			m.refreshSites()
		})
		m.revokeButtons[origin] = b
		m.sitesBox.Add(container.NewBorder(nil, nil, nil, container.NewHBox(widget.NewLabel(l.T(i18n.SiteApproved)), b), name))
	}
	m.sitesBox.Refresh()
}

func (m *Main) journalPage() fyne.CanvasObject {
	l := m.lang
	m.search = widget.NewEntry()
	m.search.SetPlaceHolder(l.T(i18n.Search))
	m.search.OnChanged = func(string) { m.filterJournal() }
	m.count = widget.NewLabel("")
	m.journalList = widget.NewList(
		func() int { return len(m.shown) },
		func() fyne.CanvasObject {
			return container.NewVBox(&widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis},
				&widget.Label{Truncation: fyne.TextTruncateEllipsis, SizeName: theme.SizeNameCaptionText})
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(m.shown) {
				return
			}
			e := m.journal[m.shown[i]]
			c := o.(*fyne.Container)
			c.Objects[0].(*widget.Label).SetText(journalHead(l, e))
			c.Objects[1].(*widget.Label).SetText(journalDetail(e))
		})
	return container.NewBorder(container.NewBorder(nil, nil, nil, m.count, m.search), nil, nil, nil, m.journalList)
}

func journalHead(l i18n.Lang, e JournalEntry) string {
	when := e.Time.Local().Format("2006-01-02 15:04:05")
	if l == i18n.Russian {
		when = e.Time.Local().Format("02.01.2006 15:04:05")
	}
	parts := []string{when, e.Event, e.Outcome}
	if e.Origin != "" {
		parts = append(parts, e.Origin)
	}
	return clean(strings.Join(parts, " · "), maxDescriptionCols)
}

func journalDetail(e JournalEntry) string {
	var parts []string
	for _, s := range []string{e.Description, e.Certificate, e.Document} {
		if s = clean(s, maxDescriptionCols); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " · ")
}

func (m *Main) refreshJournal() {
	j, err := m.b.Journal()
	m.jouErr = err
	sort.SliceStable(j, func(a, b int) bool { return j[a].Time.After(j[b].Time) })
	m.journal = j
	m.filterJournal()
}

// filterJournal shows the records that contain every word searched.
func (m *Main) filterJournal() {
	words := strings.Fields(strings.ToLower(m.search.Text))
	m.shown = m.shown[:0]
	for i, e := range m.journal {
		text := strings.ToLower(journalHead(m.lang, e) + " " + journalDetail(e))
		ok := true
		for _, w := range words {
			if !strings.Contains(text, w) {
				ok = false
				break
			}
		}
		if ok {
			m.shown = append(m.shown, i)
		}
	}
	if m.jouErr != nil {
		m.count.SetText(m.lang.T(i18n.Error, m.jouErr))
	} else if len(m.journal) == 0 {
		m.count.SetText(m.lang.T(i18n.JournalEmpty))
	} else {
		m.count.SetText(m.lang.N(i18n.JournalCount, len(m.shown)))
	}
	m.journalList.Refresh()
}

func (m *Main) settingsPage() fyne.CanvasObject {
	l := m.lang
	s, err := m.b.Settings()
	m.modules = widget.NewMultiLineEntry()
	m.modules.SetText(strings.Join(s.Modules, "\n"))
	m.modules.SetMinRowsVisible(3)
	m.port = widget.NewEntry()
	if s.Port > 0 {
		m.port.SetText(strconv.Itoa(s.Port))
	}
	m.langValues = []string{"", "ru", "en"}
	options := []string{l.T(i18n.SetLangSystem), "Русский", "English"}
	m.language = widget.NewSelect(options, nil)
	m.language.SetSelectedIndex(0)
	for i, v := range m.langValues {
		if v == s.Language {
			m.language.SetSelectedIndex(i)
		}
	}
	m.startAtLogin = widget.NewCheck(l.T(i18n.SetStartAtLogin), nil)
	m.startAtLogin.SetChecked(s.StartAtLogin)
	m.settingsMsg = &widget.Label{Wrapping: fyne.TextWrapWord}
	if err != nil {
		m.settingsMsg.SetText(l.T(i18n.Error, err))
	}
	m.save = widget.NewButtonWithIcon(l.T(i18n.SetSave), theme.DocumentSaveIcon(), m.saveSettings)
	m.save.Importance = widget.HighImportance
	form := widget.NewForm(
		widget.NewFormItem(l.T(i18n.SetModules), m.modules),
		widget.NewFormItem(l.T(i18n.SetPort), m.port),
		widget.NewFormItem(l.T(i18n.SetLanguage), m.language),
		widget.NewFormItem("", m.startAtLogin),
	)
	return container.NewVScroll(container.NewVBox(form, container.NewHBox(m.save), m.settingsMsg))
}

func (m *Main) saveSettings() {
	l := m.lang
	var s Settings
	for _, line := range strings.Split(m.modules.Text, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			s.Modules = append(s.Modules, line)
		}
	}
	if t := strings.TrimSpace(m.port.Text); t != "" {
		p, err := strconv.Atoi(t)
		if err != nil || p < 1 || p > 65535 {
			m.settingsMsg.Importance = widget.DangerImportance
			m.settingsMsg.SetText(l.T(i18n.SetBadPort))
			return
		}
		s.Port = p
	}
	if i := m.language.SelectedIndex(); i >= 0 && i < len(m.langValues) {
		s.Language = m.langValues[i]
	}
	s.StartAtLogin = m.startAtLogin.Checked
	if err := m.b.SaveSettings(s); err != nil {
		m.settingsMsg.Importance = widget.DangerImportance
		m.settingsMsg.SetText(l.T(i18n.Error, err))
		return
	}
	m.settingsMsg.Importance = widget.SuccessImportance
	m.settingsMsg.SetText(l.T(i18n.SetSaved))
}

// RefreshDiagnostics runs the diagnostics again and shows them.
func (m *Main) RefreshDiagnostics() {
	l := m.lang
	d := m.b.Diagnose()
	m.lastDiag = d
	m.diagBox.RemoveAll()
	status := func(ok bool, title, detail string) {
		icon := theme.ConfirmIcon()
		word := l.T(i18n.DiagOK)
		imp := widget.SuccessImportance
		if !ok {
			icon, word, imp = theme.ErrorIcon(), l.T(i18n.DiagProblem), widget.DangerImportance
		}
		text := title + ": " + word
		if detail != "" {
			text += " — " + detail
		}
		m.diagBox.Add(container.NewBorder(nil, nil, widget.NewIcon(icon), nil, &widget.Label{Text: text, Importance: imp, Wrapping: fyne.TextWrapWord}))
	}
	m.diagBox.Add(sectionTitle(l.T(i18n.DiagModules)))
	if len(d.Modules) == 0 {
		m.diagBox.Add(widget.NewLabel(l.T(i18n.DiagNone)))
	}
	for _, mod := range d.Modules {
		if mod.Err != "" {
			status(false, mod.Path, l.T(i18n.DiagModuleFailed, mod.Err))
		} else {
			status(true, mod.Path, strings.TrimSpace(l.T(i18n.DiagModuleOK)+" "+mod.Description))
		}
	}
	list := func(title i18n.Key, items []string) {
		m.diagBox.Add(sectionTitle(l.T(title)))
		if len(items) == 0 {
			m.diagBox.Add(widget.NewLabel(l.T(i18n.DiagNone)))
		}
		for _, s := range items {
			m.diagBox.Add(&widget.Label{Text: s, Wrapping: fyne.TextWrapWord})
		}
	}
	list(i18n.DiagTokens, d.Tokens)
	list(i18n.DiagCerts, d.Certificates)
	m.diagBox.Add(widget.NewSeparator())
	status(d.PortOK, fmt.Sprintf("%s %d", l.T(i18n.DiagPort), d.Port), d.PortDetail)
	status(d.TLSOK, l.T(i18n.DiagTLS), d.TLSDetail)
	status(d.BrowserOK, l.T(i18n.DiagBrowser), d.BrowserInfo)
	for _, p := range d.Problems {
		m.diagBox.Add(&widget.Label{Text: "• " + p, Importance: widget.WarningImportance, Wrapping: fyne.TextWrapWord})
	}
	m.diagBox.Refresh()
}

func errorLabel(l i18n.Lang, err error) fyne.CanvasObject {
	return &widget.Label{Text: l.T(i18n.Error, err), Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord}
}

// SelectTab opens a page by name: tokens, sites, journal, settings or
// diagnostics. It reports whether the name is known.
func (m *Main) SelectTab(name string) bool {
	t, ok := map[string]*container.TabItem{"tokens": m.tokensTab, "sites": m.sitesTab, "journal": m.journalTab,
		"settings": m.settingsTab, "diagnostics": m.diagnosticsTab}[name]
	if ok {
		m.tabs.Select(t)
	}
	return ok
}
