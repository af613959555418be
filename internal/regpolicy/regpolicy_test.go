package regpolicy

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zavera/zavera/agent"
)

// fakeKey is a registry key in memory.
type fakeKey struct {
	values map[string]Value
	subs   map[string]*fakeKey
}

func newKey() *fakeKey { return &fakeKey{values: map[string]Value{}, subs: map[string]*fakeKey{}} }

func (k *fakeKey) ValueNames() ([]string, error) {
	var n []string
	for name := range k.values {
		n = append(n, name)
	}
	// Windows enumerates in no promised order: give it shuffled.
	slices.Sort(n)
	slices.Reverse(n)
	return n, nil
}

func (k *fakeKey) SubKeyNames() ([]string, error) {
	var n []string
	for name := range k.subs {
		n = append(n, name)
	}
	slices.Sort(n)
	return n, nil
}

func (k *fakeKey) Value(name string) (Value, error) {
	v, ok := k.values[name]
	if !ok {
		return Value{}, errors.New("no such value")
	}
	return v, nil
}

func (k *fakeKey) OpenSubKey(name string) (Key, error) {
	s, ok := k.subs[name]
	if !ok {
		return nil, errors.New("no such key")
	}
	return s, nil
}

func (k *fakeKey) Close() error { return nil }

func (k *fakeKey) sub(name string) *fakeKey {
	if k.subs[name] == nil {
		k.subs[name] = newKey()
	}
	return k.subs[name]
}

func (k *fakeKey) dword(name string, n uint64) *fakeKey {
	k.values[name] = Value{Kind: KindNumber, Number: n}
	return k
}

func (k *fakeKey) str(name, s string) *fakeKey {
	k.values[name] = Value{Kind: KindString, Strings: []string{s}}
	return k
}

// list writes a list as the ADMX list element does.
func (k *fakeKey) list(name string, items ...string) *fakeKey {
	s := k.sub(name)
	for i, it := range items {
		s.str(fmt.Sprint(i+1), it)
	}
	return k
}

func TestDecodeEveryValue(t *testing.T) {
	root := newKey()
	root.dword("Port", 28000).dword("NoModuleDiscovery", 1).
		list("Origins", "https://portal.example.ru", "https://b.example.ru").
		list("DevOrigins", "http://127.0.0.1:8080").
		list("Modules", `C:\Program Files\Vendor\vendorp11.dll`).
		list("TrustAnchors", `C:\ProgramData\Org\ca.pem`).
		str("TrustList", `C:\ProgramData\Org\tsl.xml`).
		list("RawSignOrigins", "https://portal.example.ru").
		list("StatePortalOrigins", "https://stand.gosuslugi.example.ru").
		str("TSAURL", "http://tsa.example.ru/tsp").dword("PageTSA", 1)
	root.sub("Limits").dword("MaxMessageBytes", 1<<20).dword("MaxConnections", 64).
		dword("MaxUnapprovedMessageBytes", 2048).dword("MaxBufferedBytes", 8<<20).
		dword("MessageTimeoutSeconds", 10).dword("UnapprovedIdleSeconds", 20).
		dword("MaxInFlight", 4).dword("MaxBatch", 50).dword("PromptTimeoutSeconds", 60).
		dword("CancelsBeforeCooldown", 2).dword("CooldownSeconds", 120).dword("PINAttempts", 1).
		dword("PairingPromptsPerMinute", 5).dword("PairingPromptsPerSite", 2).
		dword("PairingWaitingPerSite", 1).dword("IdleLogoutSeconds", 90)
	root.sub("Journal").dword("MaxFileBytes", 1<<20).dword("KeepFiles", 3)
	root.sub("ModuleHosts").dword("CallTimeoutSeconds", 20).dword("SlowCallTimeoutSeconds", 240).
		dword("MaxBackoffSeconds", 60).dword("MaxMemoryBytes", 256<<20).dword("MaxHandles", 512)

	got, err := Decode(root)
	if err != nil {
		t.Fatal(err)
	}
	want := agent.Config{
		Port:               28000,
		Origins:            []string{"https://portal.example.ru", "https://b.example.ru"},
		DevOrigins:         []string{"http://127.0.0.1:8080"},
		Modules:            []string{`C:\Program Files\Vendor\vendorp11.dll`},
		NoModuleDiscovery:  true,
		TrustAnchors:       []string{`C:\ProgramData\Org\ca.pem`},
		TrustList:          `C:\ProgramData\Org\tsl.xml`,
		RawSignOrigins:     []string{"https://portal.example.ru"},
		StatePortalOrigins: []string{"https://stand.gosuslugi.example.ru"},
		TSAURL:             "http://tsa.example.ru/tsp",
		PageTSA:            true,
		Limits: agent.Limits{
			MaxMessageBytes: 1 << 20, MaxConnections: 64, MaxUnapprovedMessageBytes: 2048,
			MaxBufferedBytes: 8 << 20, MessageTimeout: agent.Duration(10 * time.Second),
			UnapprovedIdle: agent.Duration(20 * time.Second), MaxInFlight: 4, MaxBatch: 50,
			PromptTimeout: agent.Duration(time.Minute), CancelsBeforeCooldown: 2,
			Cooldown: agent.Duration(2 * time.Minute), PINAttempts: 1, PairingPromptsPerMinute: 5,
			PairingPromptsPerSite: 2, PairingWaitingPerSite: 1, IdleLogout: agent.Duration(90 * time.Second),
		},
		Journal: agent.JournalConfig{MaxFileBytes: 1 << 20, KeepFiles: 3},
		ModuleHosts: agent.ModuleHosts{CallTimeout: agent.Duration(20 * time.Second), SlowCallTimeout: agent.Duration(4 * time.Minute),
			MaxBackoff: agent.Duration(time.Minute), MaxMemoryBytes: 256 << 20, MaxHandles: 512},
	}
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Fatalf("decoded\n%+v\nwant\n%+v", got, want)
	}
	// Every value the reader lists was set above, so none is left out of
	// the decoding.
	n := 0
	for _, s := range Values() {
		k := root
		if s.Key != "" {
			k = root.subs[s.Key]
		}
		_, isValue := k.values[s.Name]
		_, isList := k.subs[s.Name]
		if !isValue && !isList {
			t.Errorf("%s\\%s is not set by this test", s.Key, s.Name)
		}
		n++
	}
	if n != 34 {
		t.Errorf("%d policy values, this test knows 34", n)
	}
}

func TestEmptyKeyIsNoPolicy(t *testing.T) {
	got, err := Decode(newKey())
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", agent.Config{}) {
		t.Fatalf("an empty key decoded to %+v", got)
	}
}

func TestListOrderAndMultiString(t *testing.T) {
	root := newKey()
	o := root.sub("Origins")
	o.str("10", "https://j.example").str("2", "https://b.example").str("1", "https://a.example").str("3", "")
	root.values["Origins"] = Value{Kind: KindStrings, Strings: []string{"https://m.example", ""}}
	root.values["Modules"] = Value{Kind: KindStrings, Strings: []string{`C:\a.dll`, `C:\b.dll`}}
	got, err := Decode(root)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"https://a.example", "https://b.example", "https://j.example", "https://m.example"}; !slices.Equal(got.Origins, want) {
		t.Errorf("origins %q, want %q", got.Origins, want)
	}
	if want := []string{`C:\a.dll`, `C:\b.dll`}; !slices.Equal(got.Modules, want) {
		t.Errorf("modules %q, want %q", got.Modules, want)
	}
}

func TestDecodeRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(*fakeKey)
		want error
		path string
	}{
		{"misspelt value", func(k *fakeKey) { k.dword("Prot", 1) }, ErrUnknown, `Zavera\Prot`},
		{"misspelt limit", func(k *fakeKey) { k.sub("Limits").dword("PromptTimeout", 60) }, ErrUnknown, `Zavera\Limits\PromptTimeout`},
		{"unknown subkey", func(k *fakeKey) { k.sub("Origin") }, ErrUnknown, `Zavera\Origin`},
		{"subkey in a list", func(k *fakeKey) { k.sub("Modules").sub("x") }, ErrUnknown, `Zavera\Modules\x`},
		{"limit at the top", func(k *fakeKey) { k.dword("MaxBatch", 5) }, ErrUnknown, `Zavera\MaxBatch`},
		{"port as a string", func(k *fakeKey) { k.str("Port", "28000") }, ErrType, `Zavera\Port`},
		{"list as a string", func(k *fakeKey) { k.str("Origins", "https://a.example") }, ErrType, `Zavera\Origins`},
		{"list entry as a number", func(k *fakeKey) { k.sub("Origins").dword("1", 5) }, ErrType, `Zavera\Origins\1`},
		{"list entry not numbered", func(k *fakeKey) { k.sub("Origins").str("first", "https://a.example") }, ErrRange, `Zavera\Origins\first`},
		{"switch of 2", func(k *fakeKey) { k.dword("NoModuleDiscovery", 2) }, ErrRange, `Zavera\NoModuleDiscovery`},
		{"port too high", func(k *fakeKey) { k.dword("Port", 70000) }, ErrRange, `Zavera\Port`},
		{"binary limit", func(k *fakeKey) { k.sub("Limits").values["MaxBatch"] = Value{Kind: KindOther} }, ErrType, `Zavera\Limits\MaxBatch`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := newKey()
			tc.make(k)
			_, err := Decode(k)
			var ve *ValueError
			if !errors.As(err, &ve) || !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want a *ValueError wrapping %v", err, tc.want)
			}
			if !strings.HasSuffix(ve.Path, tc.path) {
				t.Errorf("path %q, want one ending in %q", ve.Path, tc.path)
			}
		})
	}
}

// The policy adds to the user's lists and wins over the user's numbers,
// as the machine-wide file does.
func TestMergeWinsOverUser(t *testing.T) {
	user := agent.DefaultConfig()
	user.Port = 29000
	user.Modules = []string{`C:\user\own.dll`}
	user.Limits.PINAttempts = 5
	user.Limits.IdleLogout = agent.Duration(time.Hour)

	root := newKey()
	root.dword("Port", 28000).list("Origins", "https://portal.example.ru").
		list("Modules", `C:\org\orgp11.dll`).dword("NoModuleDiscovery", 1)
	root.sub("Limits").dword("PINAttempts", 1).dword("IdleLogoutSeconds", 60)
	root.sub("ModuleHosts").dword("SlowCallTimeoutSeconds", 600)
	user.ModuleHosts.CallTimeout = agent.Duration(time.Minute)
	p, err := Decode(root)
	if err != nil {
		t.Fatal(err)
	}
	got, err := agent.MergePolicy(user, p)
	if err != nil {
		t.Fatal(err)
	}
	if got.Port != 28000 || !got.NoModuleDiscovery || got.Limits.PINAttempts != 1 ||
		got.Limits.IdleLogout != agent.Duration(time.Minute) {
		t.Errorf("policy did not win: port %d, noModuleDiscovery %v, pinAttempts %d, idleLogout %v",
			got.Port, got.NoModuleDiscovery, got.Limits.PINAttempts, time.Duration(got.Limits.IdleLogout))
	}
	if !slices.Contains(got.Origins, "https://portal.example.ru") || !slices.Contains(got.Origins, agent.PortalOrigins[0]) {
		t.Errorf("origins %q: want the user's and the policy's", got.Origins)
	}
	if want := []string{`C:\user\own.dll`, `C:\org\orgp11.dll`}; !slices.Equal(got.Modules, want) {
		t.Errorf("modules %q, want %q", got.Modules, want)
	}
	if got.Limits.MaxBatch != agent.DefaultLimits.MaxBatch {
		t.Errorf("a limit the policy does not set changed: maxBatch %d", got.Limits.MaxBatch)
	}
	if got.ModuleHosts.SlowCallTimeout != agent.Duration(10*time.Minute) || got.ModuleHosts.CallTimeout != agent.Duration(time.Minute) {
		t.Errorf("module hosts: slow call %v (want the policy's 10m), call %v (want the user's 1m)",
			time.Duration(got.ModuleHosts.SlowCallTimeout), time.Duration(got.ModuleHosts.CallTimeout))
	}
	// A malformed origin in the policy is refused when merged.
	bad := newKey().list("Origins", "portal.example.ru")
	p, err = Decode(bad)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := agent.MergePolicy(user, p); err == nil {
		t.Error("an origin without a scheme was merged")
	}
}
