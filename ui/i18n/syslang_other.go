//go:build !windows

package i18n

// systemLanguage is the system's own language setting beyond the POSIX
// variables: there is none here.
func systemLanguage() (Lang, bool) { return English, false }
