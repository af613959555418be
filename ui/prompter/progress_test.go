package prompter

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/ui/wire"
)

func batchRequest(n int) agent.SigningRequest {
	r := agent.SigningRequest{Kind: agent.SignBatch, Origin: "https://nalog.example", Description: "Отчёты за квартал",
		Certificate: testCert(), Count: n}
	for i := range n {
		r.Files = append(r.Files, agent.FileInfo{Name: "НД-" + string(rune('A'+i)) + ".xml", Size: int64(100 * (i + 1))})
	}
	return r
}

func screenText(u *windowUser) string {
	b, _ := os.ReadFile(u.screen)
	return string(b)
}

// The window shows the documents and counts them; the window process is
// gone a while after the batch ends.
func TestBatchProgressWindow(t *testing.T) {
	var mu sync.Mutex
	var shown []wire.Kind
	p, u := newWindowPrompter(t, Options{ProgressLinger: 100 * time.Millisecond, Shown: func(k wire.Kind, _ time.Duration) {
		mu.Lock()
		shown = append(shown, k)
		mu.Unlock()
	}})
	u.will(t, "watch")
	v := p.BatchProgress(context.Background(), batchRequest(3))
	v.Update(1, 0)
	v.Update(2, 0)
	v.Update(3, 1)
	v.Finish()
	u.saw(t, "finished: true")
	got := screenText(u)
	for _, want := range []string{"https://nalog.example", "asks you to sign 3 documents", "НД-A.xml", "НД-C.xml", "status: Done", "Close"} {
		if !strings.Contains(got, want) {
			t.Errorf("window lacks %q:\n%s", want, got)
		}
	}
	select {
	case <-v.Cancelled():
		t.Fatal("cancelled without the user")
	default:
	}
	// The window's "shown" is read on the progress window's own
	// goroutine, which may hear it after the screen file has the end.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		n := len(shown)
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(shown) != 1 || shown[0] != wire.KindProgress {
		t.Fatalf("windows shown: %v", shown)
	}
}

// Cancel in the window reaches the agent while the batch runs.
func TestBatchProgressCancel(t *testing.T) {
	p, u := newWindowPrompter(t, Options{ProgressLinger: time.Minute})
	u.will(t, "cancel-at:2")
	v := p.BatchProgress(context.Background(), batchRequest(5))
	v.Update(1, 0)
	select {
	case <-v.Cancelled():
		t.Fatal("cancelled before the user tapped")
	case <-time.After(200 * time.Millisecond):
	}
	v.Update(2, 0)
	select {
	case <-v.Cancelled():
	case <-time.After(10 * time.Second):
		t.Fatal("the user's cancel never reached the agent")
	}
	// The agent fails the rest and finishes; the window closes at once
	// although ProgressLinger is long.
	v.Update(5, 3)
	start := time.Now()
	v.Finish()
	u.saw(t, "finished: true")
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("cancelled window closed after %v", d)
	}
	if got := screenText(u); !strings.Contains(got, "Signed 2 of 5") {
		t.Fatalf("final state:\n%s", got)
	}
}

// Without a window process the batch still runs.
func TestBatchProgressNoWindow(t *testing.T) {
	p, err := New(Options{Command: func() *exec.Cmd { return exec.Command("/nonexistent/zavera-ui", "prompt") }})
	if err != nil {
		t.Fatal(err)
	}
	v := p.BatchProgress(context.Background(), batchRequest(2))
	v.Update(1, 0)
	v.Update(2, 0)
	v.Finish()
	select {
	case <-v.Cancelled():
		t.Fatal("cancelled")
	case <-time.After(100 * time.Millisecond):
	}
}

// The spare window process left by the confirmation shows the progress.
func TestBatchProgressInSpare(t *testing.T) {
	p, u := newWindowPrompter(t, Options{SpareFor: time.Minute, ProgressLinger: 50 * time.Millisecond})
	u.will(t, "approve")
	if err := p.ConfirmSigning(context.Background(), batchRequest(2)); err != nil {
		t.Fatal(err)
	}
	u.will(t, "watch")
	v := p.BatchProgress(context.Background(), batchRequest(2))
	v.Update(1, 0)
	v.Update(2, 0)
	v.Finish()
	u.saw(t, "finished: true")
	u.mu.Lock()
	started := u.started
	u.mu.Unlock()
	if started != 2 {
		t.Fatalf("%d window processes for a confirmation and its progress, want 2 (the progress in the spare)", started)
	}
}
