package installer

import (
	"encoding/xml"
	"os"
	"strconv"
	"strings"
	"testing"
)

// wxsSource is the part of installer/windows/zavera.wxs this test reads.
type wxsSource struct {
	Product struct {
		CustomActions []struct {
			ID          string `xml:"Id,attr"`
			FileKey     string `xml:"FileKey,attr"`
			ExeCommand  string `xml:"ExeCommand,attr"`
			Execute     string `xml:"Execute,attr"`
			Impersonate string `xml:"Impersonate,attr"`
		} `xml:"CustomAction"`
		Sequence []struct {
			Action    string `xml:"Action,attr"`
			Sequence  string `xml:"Sequence,attr"`
			Condition string `xml:",chardata"`
		} `xml:"InstallExecuteSequence>Custom"`
		Components []struct {
			Win64    string `xml:"Win64,attr"`
			Registry []struct {
				Root  string `xml:"Root,attr"`
				Key   string `xml:"Key,attr"`
				Name  string `xml:"Name,attr"`
				Value string `xml:"Value,attr"`
			} `xml:"RegistryValue"`
		} `xml:"Directory>Directory>Directory>Component"`
	} `xml:"Product"`
}

// The MSI runs `zavera install --system` after its files are in place
// and `zavera uninstall --system` before they go, both deferred and as
// LocalSystem, at sequence numbers between InstallInitialize (1500) and
// InstallFinalize (6600): wixl does not place Before/After actions there.
func TestMSIRunsInstallAsSystem(t *testing.T) {
	data, err := os.ReadFile("windows/zavera.wxs")
	if err != nil {
		t.Fatal(err)
	}
	var w wxsSource
	if err := xml.Unmarshal(data, &w); err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		cmd       string
		condition string
		before    int // the standard action it must precede
	}{
		"ZaveraInstall":   {"install --system", "NOT REMOVE", 6600},
		"ZaveraUninstall": {"uninstall --system", `REMOVE="ALL"`, 3500},
	}
	seq := map[string]int{}
	for _, s := range w.Product.Sequence {
		n, err := strconv.Atoi(s.Sequence)
		if err != nil {
			t.Errorf("%s: sequence %q", s.Action, s.Sequence)
		}
		seq[s.Action] = n
		if w, ok := want[s.Action]; ok && !strings.Contains(s.Condition, w.condition) {
			t.Errorf("%s runs when %q", s.Action, s.Condition)
		}
	}
	found := 0
	for _, ca := range w.Product.CustomActions {
		wa, ok := want[ca.ID]
		if !ok {
			continue
		}
		found++
		if ca.FileKey != "ZaveraExe" || !strings.HasPrefix(ca.ExeCommand, wa.cmd) || ca.Execute != "deferred" || ca.Impersonate != "no" {
			t.Errorf("%s: %+v", ca.ID, ca)
		}
		if n := seq[ca.ID]; n <= 1500 || n >= wa.before {
			t.Errorf("%s at %d: not between InstallInitialize and %d", ca.ID, n, wa.before)
		}
	}
	if found != len(want) {
		t.Errorf("%d of the custom actions found", found)
	}
	runs := 0
	for _, c := range w.Product.Components {
		if c.Win64 != "yes" {
			t.Error("a component outside the 64-bit registry and folders")
		}
		for _, r := range c.Registry {
			if r.Root == "HKLM" && r.Key == RunKey && r.Name == "Zavera" && r.Value == `"[INSTALLDIR]zavera.exe" serve --tls` {
				runs++
			}
		}
	}
	if runs != 1 {
		t.Errorf("%d HKLM Run values starting zavera.exe serve --tls", runs)
	}
}
