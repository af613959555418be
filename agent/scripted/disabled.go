//go:build !zavera_script

package scripted

import "github.com/zavera/zavera/agent"

// Enabled reports whether this build contains the scripted prompter.
const Enabled = false

// FromEnv reports false: this build has no scripted prompter.
func FromEnv() (agent.Prompter, bool) { return nil, false }
