package installer

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DesktopEntry is the XDG desktop entry that starts the agent at login.
// exe is the zavera executable; args follow it.
func DesktopEntry(exe string, args ...string) []byte {
	quote := func(s string) string {
		if !strings.ContainsAny(s, " \t\"'\\$`") {
			return s
		}
		r := strings.NewReplacer(`\`, `\\\\`, `"`, `\"`, "`", "\\`", `$`, `\$`)
		return `"` + r.Replace(s) + `"`
	}
	parts := []string{quote(exe)}
	for _, a := range args {
		parts = append(parts, quote(a))
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "[Desktop Entry]\nType=Application\nName=Zavera\nName[ru]=Завера\n")
	fmt.Fprintf(&b, "Comment=Electronic signatures for web portals\nComment[ru]=Электронная подпись для порталов\n")
	fmt.Fprintf(&b, "Exec=%s\nIcon=zavera\nTerminal=false\nCategories=Office;Security;\n", strings.Join(parts, " "))
	fmt.Fprintf(&b, "X-GNOME-Autostart-enabled=true\nNoDisplay=false\n")
	return b.Bytes()
}

// installUserAutostart writes the user's autostart entry unless the
// package's system-wide one is there.
func (o *Options) installUserAutostart() error {
	if fileExists(o.SystemAutostart()) {
		o.logf("autostart: the system entry %s starts the agent", o.SystemAutostart())
		return nil
	}
	exe := o.Exe
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return &StepError{Step: "autostart", Err: err}
		}
	}
	path := o.UserAutostart()
	data := DesktopEntry(exe, "serve", "--tls")
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	owner := ownerOf(o.home())
	for _, d := range []string{o.home(".config"), filepath.Dir(path)} {
		// Root writing into another user's home follows no link of theirs.
		if st, err := os.Lstat(d); owner != nil && err == nil && st.Mode()&os.ModeSymlink != 0 {
			return &StepError{Step: "autostart", Path: d, Err: errSymlink}
		}
		if err := os.Mkdir(d, 0o755); err == nil {
			owner.chown(d)
		} else if !os.IsExist(err) {
			return &StepError{Step: "autostart", Path: d, Err: err}
		}
	}
	if err := writeAtomic(path, data, 0o644); err != nil {
		return &StepError{Step: "autostart", Path: path, Err: err}
	}
	if err := owner.chown(path); err != nil {
		return &StepError{Step: "autostart", Path: path, Err: err}
	}
	o.logf("autostart: %s", path)
	return nil
}

func (o *Options) uninstallUserAutostart() error {
	path := o.UserAutostart()
	removed, err := removeFile(path)
	if err != nil {
		return &StepError{Step: "autostart", Path: path, Err: err}
	}
	if removed {
		o.logf("autostart: removed %s", path)
	}
	return nil
}
