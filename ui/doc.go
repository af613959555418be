// Package ui holds Zavera's desktop windows, built with Fyne: the pairing
// window for a new site, the signing window (what is signed, by which
// site, with which certificate, and the PIN), the batch progress, notices
// and the main window (tokens and certificates, approved sites, journal,
// settings, diagnostics). The tray lives in package ui/tray, the agent's
// side of the windows (an agent.Prompter that starts a window process per
// prompt) in ui/prompter, the exchange between them in ui/wire, the texts
// in ui/i18n.
//
// # Rules
//
//   - The package never talks to tokens or builds signatures: it shows
//     what it is given and reports what the user chose. It does not
//     import fyne/v2/app either, so that its tests run on Fyne's headless
//     test driver; the program that opens real windows (`zavera-ui
//     prompt`, `zavera-ui main`, cmd/zavera-ui) makes the app and hands
//     windows in. Only that program links Fyne: the agent (`zavera`)
//     imports ui/prompter, ui/wire, ui/tray and ui/i18n, never this
//     package.
//   - Each prompt reports exactly one Result through its done function:
//     a button, Enter (signs, in the PIN field or on the window), Escape
//     (refuses) or closing the window (refuses).
//   - The PIN is typed only in the signing window. When the user
//     confirms, the field's text is copied into the Result's PIN slice
//     and the field is cleared; the receiver wipes the slice. Fyne keeps
//     text in strings that cannot be wiped, which is why windows run in a
//     short-lived process of their own that exits after one prompt.
//   - The other password fields are the main window's: the KeyPassword
//     window, which asks a PKCS#12 file's password once when the user adds
//     the file (its certificate is encrypted with it), and the KeyMove
//     window, which asks a key's password and a token's PIN to move the
//     key onto the token. The typed bytes go to the backend's
//     KeyFilePasswords or KeyMover and are wiped after the call; the
//     fields are cleared. The main window's process lives while the window
//     is open, so Fyne's copy of the text may stay until it closes.
//   - «Показать сертификаты» on a token that shows its certificates only
//     after a login (TokenLogin) is the user's own request: the backend
//     asks the agent that opened the window to log its token source in,
//     over package ui/mainlink, and the agent asks the PIN in its PIN
//     window; the main window never sees that PIN. The call runs off
//     Fyne's main goroutine and its result is shown there (fyne.Do).
//   - Text from pages (origins, descriptions, file names, previews) is
//     shown in plain labels, never interpreted as markup.
//
// # Threading
//
// Functions that build or change windows must run on Fyne's main
// goroutine (fyne.Do from elsewhere). done callbacks are called there.
package ui
