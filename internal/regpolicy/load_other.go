//go:build !windows

package regpolicy

import "github.com/zavera/zavera/agent"

// Load finds no group policy: there is none outside Windows, where the
// machine-wide file alone is the policy.
func Load() (c agent.Config, ok bool, err error) { return agent.Config{}, false, nil }
