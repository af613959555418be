package benchfig

import (
	"errors"
	"testing"
	"time"
)

// The two sides run in blocks of the same size, alternating which goes
// first, at least ten blocks each; an error ends it.
func TestAlternate(t *testing.T) {
	var order []byte
	last := byte(0)
	side := func(name byte) func() error {
		return func() error {
			if name != last {
				order = append(order, name)
				last = name
			}
			time.Sleep(10 * time.Microsecond)
			return nil
		}
	}
	var refCalls, subjCalls int
	ref, subj := side('r'), side('s')
	refRate, rate, blocks, n, err := Alternate(func() error { refCalls++; return ref() }, func() error { subjCalls++; return subj() }, 50*time.Millisecond)
	if err != nil || blocks < 10 || n < 1 || refRate <= 0 || rate <= 0 {
		t.Fatalf("rates %v %v, %d blocks of %d, %v", refRate, rate, blocks, n, err)
	}
	if subjCalls != blocks*n {
		t.Errorf("subject called %d times, want %d blocks × %d", subjCalls, blocks, n)
	}
	// Sizing runs ref alone, then the blocks go r s, s r, r s, ...: with
	// the order alternating, the runs of one side are r | s s | r r | ...,
	// blocks+1 of them; without it they would be 2·blocks.
	if len(order) != blocks+1 {
		t.Fatalf("%d runs of one side for %d blocks: %s", len(order), blocks, order)
	}
	for i, c := range order {
		if want := "rs"[i%2]; c != want {
			t.Fatalf("run %d is %c: %s", i, c, order)
		}
	}

	boom := errors.New("boom")
	calls := 0
	_, _, _, _, err = Alternate(func() error { return nil }, func() error {
		calls++
		if calls == 3 {
			return boom
		}
		return nil
	}, 10*time.Millisecond)
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want the subject's", err)
	}
}
