package installer

import (
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zavera/zavera/internal/osslref"
)

// plistValues reads a property list's top dictionary: key -> the text of
// a string, "true"/"false", or the strings of an array joined by spaces.
func plistValues(t *testing.T, name string) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(osslref.Root(t), "installer", "macos", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := xml.NewDecoder(f)
	vals := map[string]string{}
	var key string
	var stack []string
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			stack = append(stack, el.Name.Local)
			text.Reset()
			if len(stack) == 3 && (el.Name.Local == "true" || el.Name.Local == "false") {
				vals[key] = el.Name.Local
			}
		case xml.CharData:
			text.Write(el)
		case xml.EndElement:
			depth := len(stack)
			stack = stack[:depth-1]
			switch {
			case depth == 3 && el.Name.Local == "key":
				key = text.String()
			case depth == 3 && el.Name.Local == "string":
				vals[key] = text.String()
			case depth == 4 && el.Name.Local == "string": // in an array
				vals[key] = strings.TrimSpace(vals[key] + " " + text.String())
			}
		}
	}
	return vals
}

// The app bundle's Info.plist and the LaunchAgent agree: the agent
// starts at login from the bundle's executable, with no Dock icon.
func TestMacOSBundleAndLaunchAgent(t *testing.T) {
	info := plistValues(t, "Info.plist")
	agent := plistValues(t, "ru.zavera.agent.plist")
	if info["CFBundleExecutable"] != "zavera" || info["CFBundlePackageType"] != "APPL" || info["LSUIElement"] != "true" {
		t.Errorf("Info.plist: %v", info)
	}
	if agent["Label"] != info["CFBundleIdentifier"] {
		t.Errorf("LaunchAgent label %q, bundle %q", agent["Label"], info["CFBundleIdentifier"])
	}
	want := "/Applications/Zavera.app/Contents/MacOS/" + info["CFBundleExecutable"] + " serve --tls"
	if agent["ProgramArguments"] != want || agent["RunAtLoad"] != "true" {
		t.Errorf("LaunchAgent: %v", agent)
	}
}
