package agent_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/zavera/zavera/agent"
)

// progressPrompter is a fake prompter that also shows batches, and whose
// user cancels after cancelAfter documents (never when 0).
type progressPrompter struct {
	*fakePrompter
	cancelAfter int

	mu    sync.Mutex
	shown []agent.SigningRequest
	calls []string
}

func (p *progressPrompter) record(s string) {
	p.mu.Lock()
	p.calls = append(p.calls, s)
	p.mu.Unlock()
}

func (p *progressPrompter) log() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.calls...)
}

func (p *progressPrompter) BatchProgress(ctx context.Context, req agent.SigningRequest) agent.BatchView {
	p.mu.Lock()
	p.shown = append(p.shown, req)
	p.mu.Unlock()
	p.record("show")
	return &fakeView{p: p, cancel: make(chan struct{})}
}

type fakeView struct {
	p        *progressPrompter
	cancel   chan struct{}
	once     sync.Once
	finished bool
}

func (v *fakeView) Update(done, failed int) {
	if v.finished {
		v.p.record("update after finish")
	}
	v.p.record(fmt.Sprintf("%d/%d", done, failed))
	if v.p.cancelAfter > 0 && done == v.p.cancelAfter {
		v.once.Do(func() { close(v.cancel) })
	}
}

func (v *fakeView) Cancelled() <-chan struct{} { return v.cancel }

func (v *fakeView) Finish() {
	v.finished = true
	v.p.record("finish")
}

type batchResults struct {
	Results []struct {
		Index     int
		Signature []byte
		Error     *rpcErr
	}
}

func runBatch(t *testing.T, pp *progressPrompter, n int) (*testServer, batchResults) {
	t.Helper()
	p := getPKI(t)
	src := newFakeSource(p.ecdsa)
	src.pin = "1234"
	ts := startServer(t, src, pp.fakePrompter, func(o *agent.Options) { o.Prompter = pp })
	c := approvedClient(t, ts)
	docs := make([]map[string]any, n)
	for i := range docs {
		docs[i] = map[string]any{"data": []byte{byte(i)}, "name": fmt.Sprintf("d%d.xml", i)}
	}
	var r batchResults
	c.mustCall("signBatch", map[string]any{"certificate": certID(p.ecdsa.cert), "description": "Отчёты", "documents": docs}, &r)
	if len(r.Results) != n {
		t.Fatalf("%d results for %d documents", len(r.Results), n)
	}
	return ts, r
}

// The user sees each document's result in order, after the one PIN.
func TestBatchProgressShown(t *testing.T) {
	pp := &progressPrompter{fakePrompter: newFakePrompter()}
	_, r := runBatch(t, pp, 4)
	for i, res := range r.Results {
		if res.Error != nil || len(res.Signature) == 0 {
			t.Fatalf("document %d: %+v", i, res)
		}
		opensslVerify(t, getPKI(t).ecdsa, res.Signature, []byte{byte(i)})
	}
	want := []string{"show", "1/0", "2/0", "3/0", "4/0", "finish"}
	if got := pp.log(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("progress calls %v, want %v", got, want)
	}
	pp.mu.Lock()
	shown := pp.shown[0]
	pp.mu.Unlock()
	if shown.Kind != agent.SignBatch || shown.Count != 4 || len(shown.Files) != 4 || shown.Files[2].Name != "d2.xml" ||
		shown.Origin != portalOrigin || shown.Description != "Отчёты" || shown.Certificate == nil {
		t.Fatalf("progress shows %+v", shown)
	}
	_, _, pins, _ := pp.snapshot()
	if len(pins) != 1 {
		t.Fatalf("%d PIN prompts", len(pins))
	}
}

// Cancel in the user's view stops the batch as the page's cancel does:
// the signatures made are kept, the rest fail with cancelled.
func TestBatchProgressUserCancel(t *testing.T) {
	pp := &progressPrompter{fakePrompter: newFakePrompter(), cancelAfter: 3}
	ts, r := runBatch(t, pp, 8)
	for i, res := range r.Results {
		if res.Index != i {
			t.Fatalf("result %d has index %d", i, res.Index)
		}
		if i < 3 {
			if res.Error != nil {
				t.Fatalf("document %d signed before the cancel: %+v", i, res.Error)
			}
			opensslVerify(t, getPKI(t).ecdsa, res.Signature, []byte{byte(i)})
			continue
		}
		if len(res.Signature) != 0 {
			t.Fatalf("document %d signed after the cancel", i)
		}
		wantErr(t, fmt.Sprintf("document %d", i), res.Error, agent.CodeCancelled)
	}
	want := []string{"show", "1/0", "2/0", "3/0", "4/1", "5/2", "6/3", "7/4", "8/5", "finish"}
	if got := pp.log(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("progress calls %v, want %v", got, want)
	}
	if _, _, signs := ts.source.counts(); signs != 3 {
		t.Fatalf("%d signatures on the token after a cancel at 3", signs)
	}
}

// A single document needs no progress window, and a plain prompter is
// enough for a batch.
func TestBatchProgressOptional(t *testing.T) {
	pp := &progressPrompter{fakePrompter: newFakePrompter()}
	runBatch(t, pp, 1)
	if got := pp.log(); len(got) != 0 {
		t.Fatalf("progress for one document: %v", got)
	}
	p := getPKI(t)
	ts := startServer(t, newFakeSource(p.ecdsa), newFakePrompter())
	c := approvedClient(t, ts)
	var r batchResults
	c.mustCall("signBatch", map[string]any{"certificate": certID(p.ecdsa.cert), "documents": []map[string]any{{"data": "eA=="}, {"data": "eQ=="}}}, &r)
	if len(r.Results) != 2 || r.Results[0].Error != nil || r.Results[1].Error != nil {
		t.Fatalf("without a progress view: %+v", r)
	}
}
