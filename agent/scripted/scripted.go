//go:build zavera_script

package scripted

import (
	"context"
	"fmt"
	"os"

	"github.com/zavera/zavera/agent"
)

// Enabled reports whether this build contains the scripted prompter.
const Enabled = true

// FromEnv returns the approving prompter when EnvApprove is "1".
func FromEnv() (agent.Prompter, bool) {
	if os.Getenv(EnvApprove) != "1" {
		return nil, false
	}
	return &Prompter{Typed: []byte(os.Getenv(EnvPIN))}, true
}

// Prompter approves origins and signatures and types Typed as the PIN.
type Prompter struct {
	Typed []byte
}

// ApproveOrigin approves.
func (p *Prompter) ApproveOrigin(ctx context.Context, r agent.OriginRequest) error { return ctx.Err() }

// ConfirmSigning approves.
func (p *Prompter) ConfirmSigning(ctx context.Context, r agent.SigningRequest) error {
	return ctx.Err()
}

// PIN types the configured PIN.
func (p *Prompter) PIN(ctx context.Context, r agent.PINRequest) (*agent.PIN, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return agent.NewPIN(p.Typed), nil
}

// Notify prints the notice on standard error.
func (p *Prompter) Notify(n agent.Notice) {
	fmt.Fprintf(os.Stderr, "zavera: notice for %s: %s\n", n.Origin, n.Message)
}
