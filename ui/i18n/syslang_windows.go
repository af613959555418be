//go:build windows

package i18n

import "golang.org/x/sys/windows"

var getUserDefaultUILanguage = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetUserDefaultUILanguage")

// primaryRussian is LANG_RUSSIAN, the primary language of the Russian
// language identifiers (0x0419 ru-RU and the others ending in 0x19).
const primaryRussian = 0x19

// systemLanguage is the language of Windows' user interface for this
// user: the primary language (the low 10 bits) of its language id.
func systemLanguage() (Lang, bool) {
	if getUserDefaultUILanguage.Find() != nil {
		return English, false
	}
	id, _, _ := getUserDefaultUILanguage.Call()
	if id&0x3ff == primaryRussian {
		return Russian, true
	}
	return English, true
}
