package terminal

import (
	"context"
	"fmt"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/internal/displaytext"
)

// BatchProgress implements agent.ProgressPrompter: a line per document.
// A batch cannot be cancelled from the terminal (the page can).
func (t *Terminal) BatchProgress(ctx context.Context, r agent.SigningRequest) agent.BatchView {
	t.print(fmt.Sprintf("Signing %d documents for %s:\n", r.Count, displaytext.Line(r.Origin)))
	return &termView{t: t, total: r.Count}
}

type termView struct {
	t      *Terminal
	total  int
	done   int
	failed int
}

func (v *termView) Update(done, failed int) {
	v.done, v.failed = done, failed
	v.t.print(fmt.Sprintf("  signed %d of %d", done-failed, v.total))
	if failed > 0 {
		v.t.print(fmt.Sprintf(", %d failed", failed))
	}
	v.t.print("\n")
}

func (v *termView) Cancelled() <-chan struct{} { return nil }

func (v *termView) Finish() {
	v.t.print(fmt.Sprintf("Batch finished: %d signed, %d failed.\n", v.done-v.failed, v.failed))
}

var _ agent.ProgressPrompter = (*Terminal)(nil)
