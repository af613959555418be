//go:build windows

package journal

// restrictKey does nothing on Windows. A Windows file has no Unix mode:
// the mode os.Stat reports is made up from the read-only attribute
// (0666 or 0444), and os.Chmod sets only that attribute, so the check
// made elsewhere would find every key "readable by others" and change
// nothing. Who may read the key is up to the file's ACL, which it
// inherits from the folder it is made in: the state folder under the
// user's %APPDATA%, whose ACL grants the user, SYSTEM and the
// Administrators and no one else. Open does not check that ACL (see
// doc.go).
func restrictKey(string) (note string, err error) { return "", nil }
