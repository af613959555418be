package installer

import (
	"errors"
	"strings"
	"testing"
)

func TestWindowsCommandsUndoEachOther(t *testing.T) {
	for _, scope := range []Scope{User, System} {
		o := Options{Scope: scope, BrowserPolicies: true, Origins: []string{"https://www.gosuslugi.ru", "https://b.example"}}
		inst, err := o.windowsInstallCommands(`C:\Users\a\AppData\Local\Programs\Zavera\zavera.exe`)
		if err != nil {
			t.Fatal(err)
		}
		uninst := o.windowsUninstallCommands()
		hive := map[Scope]string{User: "HKCU", System: "HKLM"}[scope]
		joined := func(cmds [][]string) string {
			var lines []string
			for _, c := range cmds {
				lines = append(lines, strings.Join(c, " "))
			}
			return strings.Join(lines, "\n")
		}
		in, un := joined(inst), joined(uninst)
		for _, b := range PolicyBrowsers {
			key := hive + `\` + b.RegistryKey + `\LocalNetworkAccessAllowedForUrls`
			if !strings.Contains(in, "reg.exe add "+key+" /v 1 /t REG_SZ /d https://www.gosuslugi.ru /f") ||
				!strings.Contains(in, "reg.exe add "+key+" /v 2 /t REG_SZ /d https://b.example /f") {
				t.Errorf("%s: no policy for %s:\n%s", scope, b.Name, in)
			}
			if !strings.Contains(un, "reg.exe delete "+key+" /f") {
				t.Errorf("%s: policy for %s not removed:\n%s", scope, b.Name, un)
			}
		}
		user := scope == User
		if strings.Contains(in, `HKCU\`+RunKey+" /v Zavera") != user || strings.Contains(un, `HKCU\`+RunKey+" /v Zavera /f") != user {
			t.Errorf("%s: Run key:\n%s\n%s", scope, in, un)
		}
	}
	o := Options{BrowserPolicies: true, Origins: []string{"http://insecure.example"}}
	if _, err := o.windowsInstallCommands("zavera.exe"); !errors.Is(err, ErrBadOrigin) {
		t.Errorf("bad origin: %v", err)
	}
}
