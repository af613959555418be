//go:build linux || windows

package sessionlock_test

import (
	"testing"
	"time"

	"github.com/zavera/zavera/agent/sessionlock"
)

// events collects what Watch reports.
type events chan sessionlock.Event

func (ch events) fn(e sessionlock.Event) { ch <- e }

// want waits for the next event and checks it.
func (ch events) want(t *testing.T, want sessionlock.Event) {
	t.Helper()
	select {
	case e := <-ch:
		if e != want {
			t.Fatalf("event %v, want %v", e, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no %v event", want)
	}
}

func (ch events) none(t *testing.T) {
	t.Helper()
	select {
	case e := <-ch:
		t.Fatalf("unexpected event %v", e)
	default:
	}
}
