package regpolicy

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The group policy template in installer/windows/policy.
const policyDir = "../../installer/windows/policy"

type admx struct {
	SupportedOn []struct {
		Name        string `xml:"name,attr"`
		DisplayName string `xml:"displayName,attr"`
	} `xml:"supportedOn>definitions>definition"`
	Categories []struct {
		Name        string `xml:"name,attr"`
		DisplayName string `xml:"displayName,attr"`
		Parent      struct {
			Ref string `xml:"ref,attr"`
		} `xml:"parentCategory"`
	} `xml:"categories>category"`
	Policies []admxPolicy `xml:"policies>policy"`
}

type admxPolicy struct {
	Name         string `xml:"name,attr"`
	Class        string `xml:"class,attr"`
	DisplayName  string `xml:"displayName,attr"`
	ExplainText  string `xml:"explainText,attr"`
	Presentation string `xml:"presentation,attr"`
	Key          string `xml:"key,attr"`
	ValueName    string `xml:"valueName,attr"`
	Parent       struct {
		Ref string `xml:"ref,attr"`
	} `xml:"parentCategory"`
	SupportedOn struct {
		Ref string `xml:"ref,attr"`
	} `xml:"supportedOn"`
	Enabled  *admxDecimal `xml:"enabledValue>decimal"`
	Disabled *admxDecimal `xml:"disabledValue>decimal"`
	Decimals []struct {
		ID        string `xml:"id,attr"`
		ValueName string `xml:"valueName,attr"`
		Key       string `xml:"key,attr"`
		Min       string `xml:"minValue,attr"`
		Max       string `xml:"maxValue,attr"`
	} `xml:"elements>decimal"`
	Lists []struct {
		ID         string `xml:"id,attr"`
		Key        string `xml:"key,attr"`
		Prefix     string `xml:"valuePrefix,attr"`
		Explicit   string `xml:"explicitValue,attr"`
		Expandable string `xml:"expandable,attr"`
	} `xml:"elements>list"`
	Texts []struct {
		ID         string `xml:"id,attr"`
		ValueName  string `xml:"valueName,attr"`
		Key        string `xml:"key,attr"`
		Expandable string `xml:"expandable,attr"`
	} `xml:"elements>text"`
	Other []struct {
		XMLName xml.Name
	} `xml:",any"`
}

type admxDecimal struct {
	Value string `xml:"value,attr"`
}

type adml struct {
	Strings []struct {
		ID   string `xml:"id,attr"`
		Text string `xml:",chardata"`
	} `xml:"resources>stringTable>string"`
	Presentations []struct {
		ID   string `xml:"id,attr"`
		Refs []struct {
			XMLName xml.Name
			RefID   string `xml:"refId,attr"`
			Default string `xml:"defaultValue,attr"`
		} `xml:",any"`
	} `xml:"resources>presentationTable>presentation"`
}

func readXML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

var ref = regexp.MustCompile(`^\$\((string|presentation)\.([A-Za-z0-9_]+)\)$`)

// Every policy of the template writes a value the reader understands, with
// the type it reads, every value the reader understands has its policy,
// and every text the template names exists in English and in Russian, so
// that the template, its translations and the reader cannot drift apart.
func TestADMXMatchesReader(t *testing.T) {
	var x admx
	readXML(t, filepath.Join(policyDir, "zavera.admx"), &x)
	langs := map[string]adml{}
	for _, lang := range []string{"en-US", "ru-RU"} {
		var l adml
		readXML(t, filepath.Join(policyDir, lang, "zavera.adml"), &l)
		langs[lang] = l
	}

	// The texts: each $(string.X) and $(presentation.X) resolves in both
	// languages, and neither language has a text the template does not use.
	used := map[string]bool{}
	resolve := func(where, s string) string {
		m := ref.FindStringSubmatch(s)
		if m == nil {
			t.Errorf("%s: %q is not a $(string.…) or $(presentation.…) reference", where, s)
			return ""
		}
		used[m[1]+"."+m[2]] = true
		for lang, l := range langs {
			found := false
			if m[1] == "string" {
				for _, s := range l.Strings {
					if s.ID == m[2] && strings.TrimSpace(s.Text) != "" {
						found = true
					}
				}
			} else {
				for _, p := range l.Presentations {
					found = found || p.ID == m[2]
				}
			}
			if !found {
				t.Errorf("%s: %s.%s is missing from %s", where, m[1], m[2], lang)
			}
		}
		return m[2]
	}
	for _, s := range x.SupportedOn {
		resolve("supportedOn "+s.Name, s.DisplayName)
	}
	cats := map[string]bool{}
	for _, c := range x.Categories {
		resolve("category "+c.Name, c.DisplayName)
		cats[c.Name] = true
	}

	type seen struct {
		key, name string
		typ       Type
	}
	var written []seen
	for _, p := range x.Policies {
		where := "policy " + p.Name
		if p.Class != "Machine" {
			t.Errorf("%s: class %q, want Machine: the reader reads HKEY_LOCAL_MACHINE only", where, p.Class)
		}
		if !cats[p.Parent.Ref] {
			t.Errorf("%s: category %q is not defined", where, p.Parent.Ref)
		}
		if p.SupportedOn.Ref == "" {
			t.Errorf("%s: no supportedOn", where)
		}
		resolve(where, p.DisplayName)
		resolve(where, p.ExplainText)
		sub, ok := subKeyOf(p.Key)
		if !ok {
			t.Errorf("%s: key %q is not under %s", where, p.Key, KeyPath)
			continue
		}
		if len(p.Other) > 0 {
			t.Errorf("%s: elements the reader has no counterpart for: %v", where, p.Other)
		}
		ids := map[string]bool{}
		if p.ValueName != "" {
			if p.Enabled == nil || p.Disabled == nil || p.Enabled.Value != "1" || p.Disabled.Value != "0" {
				t.Errorf("%s: a switch writes 1 when enabled and 0 when disabled", where)
			}
			written = append(written, seen{sub, p.ValueName, Switch})
		}
		for _, d := range p.Decimals {
			ids[d.ID] = true
			k := sub
			if d.Key != "" {
				if k, ok = subKeyOf(d.Key); !ok {
					t.Errorf("%s: key %q is not under %s", where, d.Key, KeyPath)
				}
			}
			written = append(written, seen{k, d.ValueName, Number})
			max, err := strconv.ParseUint(d.Max, 10, 32)
			if err != nil {
				t.Errorf("%s: maxValue %q: %v", where, d.Max, err)
			}
			if s, ok := spec(k, d.ValueName); ok && s.Max != 0 && max > s.Max {
				t.Errorf("%s: maxValue %d is over what the reader accepts (%d)", where, max, s.Max)
			}
			if min, err := strconv.ParseUint(d.Min, 10, 32); err != nil || min == 0 {
				t.Errorf("%s: minValue %q: zero would leave the setting unset", where, d.Min)
			}
		}
		for _, e := range p.Texts {
			ids[e.ID] = true
			k := sub
			if e.Key != "" {
				if k, ok = subKeyOf(e.Key); !ok {
					t.Errorf("%s: key %q is not under %s", where, e.Key, KeyPath)
				}
			}
			written = append(written, seen{k, e.ValueName, Text})
		}
		for _, l := range p.Lists {
			ids[l.ID] = true
			if l.Prefix != "" || l.Explicit != "" || l.Expandable != "" {
				t.Errorf("%s: a list's values are named 1, 2, 3… (no valuePrefix or explicitValue)", where)
			}
			k, ok := subKeyOf(l.Key)
			parent, name, cut := strings.Cut(k, `\`)
			if !cut {
				parent, name = "", k
			}
			if !ok || name == "" {
				t.Errorf("%s: list key %q is not a subkey of %s", where, l.Key, KeyPath)
			}
			written = append(written, seen{parent, name, List})
		}
		if len(ids) > 0 {
			id := resolve(where, p.Presentation)
			for lang, l := range langs {
				for _, pr := range l.Presentations {
					if pr.ID != id {
						continue
					}
					var refs []string
					for _, r := range pr.Refs {
						refs = append(refs, r.RefID)
					}
					for e := range ids {
						if !slices.Contains(refs, e) {
							t.Errorf("%s: %s presentation has no control for %s", where, lang, e)
						}
					}
				}
			}
		} else if p.Presentation != "" {
			t.Errorf("%s: a presentation without elements", where)
		}
	}
	for lang, l := range langs {
		for _, s := range l.Strings {
			if !used["string."+s.ID] {
				t.Errorf("%s: string %s is not used by the template", lang, s.ID)
			}
		}
		for _, p := range l.Presentations {
			if !used["presentation."+p.ID] {
				t.Errorf("%s: presentation %s is not used by the template", lang, p.ID)
			}
		}
	}

	// Each value once, each understood with the type it is written as.
	for i, w := range written {
		s, ok := spec(w.key, w.name)
		switch {
		case !ok:
			t.Errorf("the template writes %s, which the reader does not know", path(w.key, w.name))
		case s.Type != w.typ:
			t.Errorf("the template writes %s as a %s, the reader reads a %s", path(w.key, w.name), w.typ, s.Type)
		}
		for _, o := range written[:i] {
			if o.key == w.key && o.name == w.name {
				t.Errorf("two policies write %s", path(w.key, w.name))
			}
		}
	}
	for _, s := range Values() {
		if !slices.ContainsFunc(written, func(w seen) bool { return w.key == s.Key && w.name == s.Name }) {
			t.Errorf("the template has no policy for %s", path(s.Key, s.Name))
		}
	}
	if len(written) < len(Values()) {
		t.Errorf("%d values written, the reader knows %d", len(written), len(Values()))
	}
}

// subKeyOf returns key relative to KeyPath ("" for KeyPath itself).
func subKeyOf(key string) (string, bool) {
	if strings.EqualFold(key, KeyPath) {
		return "", true
	}
	rest, ok := strings.CutPrefix(key, KeyPath+`\`)
	return rest, ok && rest != ""
}

func spec(key, name string) (Spec, bool) {
	for _, s := range Values() {
		if s.Key == key && s.Name == name {
			return s, true
		}
	}
	return Spec{}, false
}
