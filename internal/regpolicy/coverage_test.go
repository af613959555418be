package regpolicy

import (
	"reflect"
	"strings"
	"testing"

	"github.com/zavera/zavera/agent"
)

// notPolicy are the members of config.json that group policy does not set:
// the state folder is always the user's own, and running drivers in
// process only takes protection away.
var notPolicy = map[string]bool{"stateDir": true, "inProcess": true}

// Every member of config.json has its policy value, so that a member added
// to the configuration cannot be forgotten here (and then in the ADMX
// template, which TestADMXMatchesReader ties to the reader).
func TestEveryConfigMemberHasAPolicy(t *testing.T) {
	// One member, as the reader names it: subkey and value name.
	have := map[string]bool{}
	for _, s := range Values() {
		have[strings.ToLower(s.Key+"/"+strings.TrimSuffix(s.Name, "Seconds"))] = true
	}
	var walk func(typ reflect.Type, sub string)
	walk = func(typ reflect.Type, sub string) {
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" || notPolicy[name] {
				continue
			}
			if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(agent.Duration(0)) && sub == "" {
				walk(f.Type, strings.ToUpper(name[:1])+name[1:])
				continue
			}
			if !have[strings.ToLower(sub+"/"+name)] {
				t.Errorf("config.json member %s%s has no group policy value", map[bool]string{true: "", false: sub + "."}[sub == ""], name)
			}
		}
	}
	walk(reflect.TypeOf(agent.Config{}), "")
}
