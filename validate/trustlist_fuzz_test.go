package validate

import (
	"os"
	"testing"
)

// FuzzParseTrustList feeds trusted lists from a file a user or a portal
// gives: parsing must fail with an error, never panic.
func FuzzParseTrustList(f *testing.F) {
	if b, err := os.ReadFile("testdata/trustlist.xml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`<?xml version="1.0" encoding="windows-1251"?><АккредитованныеУдостоверяющиеЦентры/>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ParseTrustList(data)
	})
}
