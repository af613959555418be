package main

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zavera/zavera/agent"
)

// expiryNoticePath is where the time of the last expiry notification is
// kept, so that the desktop warns once a day across restarts too.
func expiryNoticePath(cfg agent.Config) string {
	return filepath.Join(cfg.StateDir, "expiry-notice")
}

// lastExpiryNotice reads the time of the last expiry notification; the
// zero time when there was none or the file cannot be read.
func lastExpiryNotice(path string) time.Time {
	data, err := os.ReadFile(path)
	if err != nil {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(string(data)))
	if err != nil {
		return time.Time{}
	}
	return t
}

// saveExpiryNotice records t as the time of the last expiry notification.
func saveExpiryNotice(path string, t time.Time) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(t.UTC().Format(time.RFC3339)+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// expiryNoticeDue reports whether a day has passed since the last one.
func expiryNoticeDue(last, now time.Time) bool {
	return now.Sub(last) >= 24*time.Hour || now.Before(last)
}
