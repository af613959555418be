package ui

import (
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/zavera/zavera/ui/i18n"
	"github.com/zavera/zavera/ui/wire"
)

// KeyFiles is what a Backend implements to let the main window list, add
// and remove software keys (key files and CryptoPro containers). A Backend
// without it shows no such section. The window never opens a key: it
// names paths, and the agent asks for the password when a key signs. A
// PKCS#12 file is the exception at adding time (see KeyFilePasswords).
type KeyFiles interface {
	KeyFiles() ([]KeyFileView, error)
	// AddKeyFile remembers the key file or container folder at path.
	AddKeyFile(path string) error
	// RemoveKeyFile forgets the key with the ID; its files stay.
	RemoveKeyFile(id string) error
}

// KeyFileView is a software key as the window shows it.
type KeyFileView struct {
	ID, Name, Path string
	// Kind is KeyKindContainer or KeyKindPKCS12.
	Kind string
	// Added is true for a key the user added (which can be removed),
	// false for a container found on a drive.
	Added bool
	// Problem says why the key cannot be used now (a KeyProblem value),
	// "" when it can.
	Problem     string
	Certificate *wire.Cert
	// PasswordNeeded is false for a container that opens without one.
	PasswordNeeded bool
}

// Kinds and problems of KeyFileView.
const (
	KeyKindContainer        = "container"
	KeyKindPKCS12           = "pkcs12"
	KeyProblemMissing       = "missing"
	KeyProblemDamaged       = "damaged"
	KeyProblemUnsupported   = "unsupported"
	KeyProblemNoCertificate = "nocert"
)

// containerFiles are the files of a CryptoPro container folder: picking
// one of them adds the folder.
var containerFiles = map[string]bool{"header.key": true, "masks.key": true, "masks2.key": true,
	"name.key": true, "primary.key": true, "primary2.key": true}

// refreshKeyFiles redraws the software keys section.
func (m *Main) refreshKeyFiles() {
	kf, ok := m.b.(KeyFiles)
	if !ok {
		return
	}
	l := m.lang
	m.keysBox.RemoveAll()
	m.removeKeyButtons = map[string]*widget.Button{}
	m.keysBox.Add(widget.NewSeparator())
	m.keysBox.Add(&widget.Label{Text: l.T(i18n.KeyFilesTitle), TextStyle: fyne.TextStyle{Bold: true}})
	m.keysBox.Add(&widget.Label{Text: l.T(i18n.KeyFilesHint), Wrapping: fyne.TextWrapWord, SizeName: theme.SizeNameCaptionText})
	m.addKeyButton = widget.NewButtonWithIcon(l.T(i18n.AddKeyFile), theme.ContentAddIcon(), m.pickKeyFile)
	m.addFolderButton = widget.NewButtonWithIcon(l.T(i18n.AddKeyFolder), theme.FolderOpenIcon(), m.pickKeyFolder)
	m.keysBox.Add(container.NewHBox(m.addKeyButton, m.addFolderButton))
	if m.keyErr != nil {
		m.keysBox.Add(&widget.Label{Text: l.T(i18n.KeyFileAddFailed, m.keyErr), Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord})
	}
	if m.keyNotice != "" {
		imp := widget.SuccessImportance
		if m.keyNoticeFailed {
			imp = widget.DangerImportance
		}
		m.keysBox.Add(&widget.Label{Text: m.keyNotice, Importance: imp, Wrapping: fyne.TextWrapWord})
	}
	mover, canMove := kf.(KeyMover)
	m.moveKeyButtons = map[string]*widget.Button{}
	keys, err := kf.KeyFiles()
	if err != nil {
		m.keysBox.Add(errorLabel(l, err))
	}
	if len(keys) == 0 && err == nil {
		m.keysBox.Add(widget.NewLabel(l.T(i18n.KeyFilesNone)))
	}
	for _, k := range keys {
		kind := l.T(i18n.KeyFileContainer)
		if k.Kind == KeyKindPKCS12 {
			kind = l.T(i18n.KeyFilePKCS12)
		}
		head := clean(k.Name, maxNameCols) + " — " + kind
		var parts []fyne.CanvasObject
		if !k.Added {
			parts = append(parts, widget.NewLabel(l.T(i18n.KeyFileFound)))
		}
		if p := keyProblemText(l, k.Problem); p != "" {
			parts = append(parts, &widget.Label{Text: p, Importance: widget.WarningImportance, Wrapping: fyne.TextWrapWord})
		} else {
			parts = append(parts, certCard(l, k.Certificate, m.now))
		}
		var buttons []fyne.CanvasObject
		if canMove && k.Problem == "" && k.Certificate != nil {
			k := k
			b := widget.NewButtonWithIcon(l.T(i18n.MoveKey), theme.UploadIcon(), func() { m.askMoveKey(mover, k) })
			m.moveKeyButtons[k.ID] = b
			buttons = append(buttons, b)
		}
		if k.Added {
			id := k.ID
			b := widget.NewButtonWithIcon(l.T(i18n.RemoveKeyFile), theme.DeleteIcon(), func() { m.RemoveKeyFile(id) })
			m.removeKeyButtons[id] = b
			buttons = append(buttons, b)
		}
		if len(buttons) > 0 {
			parts = append(parts, container.NewHBox(buttons...))
		}
		m.keysBox.Add(widget.NewCard(head, clean(k.Path, maxDescriptionCols), container.NewVBox(parts...)))
	}
	m.keysBox.Refresh()
}

func keyProblemText(l i18n.Lang, p string) string {
	switch p {
	case "":
		return ""
	case KeyProblemMissing:
		return l.T(i18n.KeyFileMissing)
	case KeyProblemUnsupported:
		return l.T(i18n.KeyFileUnsupported)
	case KeyProblemNoCertificate:
		return l.T(i18n.KeyFileNoCert)
	}
	return l.T(i18n.KeyFileDamaged)
}

// AddKeyFile adds the key at path, as the pickers do: a file of a
// container folder adds the folder; a file that needs its password to be
// added (KeyFilePasswords) opens the password window first.
func (m *Main) AddKeyFile(path string) {
	kf, ok := m.b.(KeyFiles)
	if !ok {
		return
	}
	if containerFiles[strings.ToLower(filepath.Base(path))] {
		path = filepath.Dir(path)
	}
	if kp, ok := kf.(KeyFilePasswords); ok && kp.NeedsPasswordToAdd(path) {
		// A PKCS#12 file: its password once, in a window of its own.
		m.askKeyPassword(kp, path)
		return
	}
	m.keyErr = kf.AddKeyFile(path)
	m.refreshKeyFiles()
}

// RemoveKeyFile forgets the key with the ID.
func (m *Main) RemoveKeyFile(id string) {
	kf, ok := m.b.(KeyFiles)
	if !ok {
		return
	}
	m.keyErr = kf.RemoveKeyFile(id)
	m.refreshKeyFiles()
}

// pickKeyFile opens the file picker: a PKCS#12 file, or any file of a
// container folder.
func (m *Main) pickKeyFile() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		m.AddKeyFile(path)
	}, m.w)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".pfx", ".p12", ".key"}))
	d.Show()
}

// pickKeyFolder opens the folder picker for a container folder.
func (m *Main) pickKeyFolder() {
	dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err != nil || u == nil {
			return
		}
		m.AddKeyFile(u.Path())
	}, m.w).Show()
}
