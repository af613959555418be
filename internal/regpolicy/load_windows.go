//go:build windows

package regpolicy

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows/registry"

	"github.com/zavera/zavera/agent"
)

// Load reads the group policy under HKEY_LOCAL_MACHINE, in the 64-bit
// view of the registry whatever the program's architecture. ok is false
// when the policy key does not exist.
func Load() (c agent.Config, ok bool, err error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, KeyPath, registry.READ|registry.WOW64_64KEY)
	if errors.Is(err, registry.ErrNotExist) {
		return agent.Config{}, false, nil
	}
	if err != nil {
		return agent.Config{}, false, fmt.Errorf("group policy HKEY_LOCAL_MACHINE\\%s: %w", KeyPath, err)
	}
	rk := regKey{k}
	defer rk.Close()
	c, err = Decode(rk)
	return c, err == nil, err
}

// regKey is a Key on the Windows registry.
type regKey struct{ k registry.Key }

func (r regKey) ValueNames() ([]string, error)  { return r.k.ReadValueNames(-1) }
func (r regKey) SubKeyNames() ([]string, error) { return r.k.ReadSubKeyNames(-1) }
func (r regKey) Close() error                   { return r.k.Close() }

func (r regKey) OpenSubKey(name string) (Key, error) {
	k, err := registry.OpenKey(r.k, name, registry.READ|registry.WOW64_64KEY)
	if err != nil {
		return nil, err
	}
	return regKey{k}, nil
}

func (r regKey) Value(name string) (Value, error) {
	_, typ, err := r.k.GetValue(name, nil)
	if err != nil {
		return Value{}, err
	}
	switch typ {
	case registry.SZ, registry.EXPAND_SZ:
		s, _, err := r.k.GetStringValue(name)
		if err != nil {
			return Value{}, err
		}
		if typ == registry.EXPAND_SZ {
			if s, err = registry.ExpandString(s); err != nil {
				return Value{}, err
			}
		}
		return Value{Kind: KindString, Strings: []string{s}}, nil
	case registry.MULTI_SZ:
		s, _, err := r.k.GetStringsValue(name)
		return Value{Kind: KindStrings, Strings: s}, err
	case registry.DWORD, registry.QWORD:
		n, _, err := r.k.GetIntegerValue(name)
		return Value{Kind: KindNumber, Number: n}, err
	}
	return Value{Kind: KindOther}, nil
}
