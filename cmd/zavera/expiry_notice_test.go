package main

import (
	"os"
	"testing"
	"time"

	"github.com/zavera/zavera/agent"
)

func TestExpiryNoticeIsKeptAcrossRestarts(t *testing.T) {
	path := expiryNoticePath(agent.Config{StateDir: t.TempDir()})
	if !lastExpiryNotice(path).IsZero() {
		t.Fatal("no notice yet must read as the zero time")
	}
	now := time.Date(2026, 11, 22, 9, 30, 0, 0, time.UTC)
	if !expiryNoticeDue(lastExpiryNotice(path), now) {
		t.Fatal("the first notice is due")
	}
	if err := saveExpiryNotice(path, now); err != nil {
		t.Fatal(err)
	}
	last := lastExpiryNotice(path) // as a restarted agent reads it
	if !last.Equal(now) {
		t.Fatalf("read back %v, want %v", last, now)
	}
	if expiryNoticeDue(last, now.Add(23*time.Hour)) {
		t.Fatal("a second notice within the day")
	}
	if !expiryNoticeDue(last, now.Add(24*time.Hour)) {
		t.Fatal("no notice the next day")
	}
	if !expiryNoticeDue(last, now.Add(-time.Hour)) {
		t.Fatal("a clock set back must not silence the notice")
	}
	os.WriteFile(path, []byte("garbage"), 0o600)
	if !lastExpiryNotice(path).IsZero() {
		t.Fatal("an unreadable record must not silence the notice")
	}
}
