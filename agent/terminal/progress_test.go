package terminal

import (
	"context"
	"strings"
	"testing"

	"github.com/zavera/zavera/agent"
)

func TestBatchProgress(t *testing.T) {
	s := &screen{}
	tm := New(strings.NewReader(""), s)
	v := tm.BatchProgress(context.Background(), agent.SigningRequest{Kind: agent.SignBatch, Origin: "https://nalog.example", Count: 3})
	if v.Cancelled() != nil {
		t.Fatal("the terminal offers a cancel it cannot read")
	}
	v.Update(1, 0)
	v.Update(2, 1)
	v.Update(3, 1)
	v.Finish()
	want := "Signing 3 documents for https://nalog.example:\n" +
		"  signed 1 of 3\n  signed 1 of 3, 1 failed\n  signed 2 of 3, 1 failed\n" +
		"Batch finished: 2 signed, 1 failed.\n"
	if got := s.String(); got != want {
		t.Fatalf("screen:\n%s\nwant:\n%s", got, want)
	}
}
