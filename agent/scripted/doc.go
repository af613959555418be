// Package scripted is a Prompter that approves every request without
// asking, for benchmarks and end-to-end tests of the real binary.
//
// It exists only in builds made with the build tag zavera_script (go build
// -tags zavera_script). Without the tag, which is how the product is
// built, FromEnv always reports false and no approving code is compiled
// in: a shipped agent cannot be switched into approving by environment,
// configuration or request.
package scripted

// EnvApprove set to "1" turns the scripted prompter on in a tagged build;
// EnvPIN is the PIN it types.
const (
	EnvApprove = "ZAVERA_SCRIPT_APPROVE"
	EnvPIN     = "ZAVERA_SCRIPT_PIN"
)
