//go:build windows

package logfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPathUnderLocalAppData(t *testing.T) {
	p, err := Path()
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(os.Getenv("LOCALAPPDATA"), `Zavera\logs\zavera.log`)
	if !strings.EqualFold(p, want) {
		t.Errorf("log file %q, want %q", p, want)
	}
}
