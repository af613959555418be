package agent_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/journal"
)

// A page that keeps asking during its cool-down gets busy every time,
// and the journal counts those refusals instead of writing (and
// flushing) a record for each: they are one record per origin and
// reason. The refusals the user made stay a record each.
func TestBusyRefusalsAreCounted(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	pr.confirm = func(agent.SigningRequest) error { return agent.ErrCancelled }
	var j *journal.Journal
	ts := startServer(t, newFakeSource(p.ecdsa), pr, limits(func(l *agent.Limits) {
		l.CancelsBeforeCooldown = 3
		l.Cooldown = agent.Duration(time.Hour)
	}), func(o *agent.Options) { j = o.Journal })
	c := approvedClient(t, ts)
	sign := map[string]any{"certificate": certID(p.ecdsa.cert), "data": "eA=="}
	for i := range 3 {
		wantErr(t, fmt.Sprint("refusal ", i), c.call("sign", sign, nil), agent.CodeCancelled)
	}
	const flood = 300
	for i := range flood {
		wantErr(t, fmt.Sprint("during cool-down ", i), c.call("sign", sign, nil), agent.CodeBusy)
	}
	batch := map[string]any{"certificate": certID(p.ecdsa.cert), "documents": []map[string]any{{"data": "eA=="}}}
	wantErr(t, "a batch during cool-down", c.call("signBatch", batch, nil), agent.CodeBusy)

	count := func() (declined, busy, summaries int, counted uint64) {
		readJournal(t, ts, func(r journal.Record) {
			switch {
			case r.Event == journal.EventSignature && r.Reason == "cancelled":
				declined++
			case r.Event == journal.EventSignature && r.Reason == "busy":
				busy++
			case r.Event == journal.EventRefusal:
				summaries++
				if r.Origin != portalOrigin || r.Reason != "busy" || r.Outcome != journal.OutcomeRefused {
					t.Errorf("refusal record %+v", r)
				}
				counted += r.Count
			}
		})
		return
	}
	if declined, busy, summaries, _ := count(); declined != 3 || busy != 0 || summaries != 0 {
		t.Fatalf("before the interval: %d declined, %d busy records, %d summaries; want 3, 0, 0", declined, busy, summaries)
	}
	if err := j.FlushRefusals(); err != nil {
		t.Fatal(err)
	}
	if declined, busy, summaries, counted := count(); declined != 3 || busy != 0 || summaries != 1 || counted != flood+1 {
		t.Fatalf("after the interval: %d declined, %d busy records, %d summaries counting %d; want 3, 0, 1, %d",
			declined, busy, summaries, counted, flood+1)
	}
}
