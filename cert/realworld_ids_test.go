package cert

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/zavera/zavera/ruid"
)

// TestRealWorldIdentifiers: the INN/INNLE and OGRN of real organisations
// (state bodies and accredited CAs) carry correct check digits; the test
// CAs' made-up numbers do not.
func TestRealWorldIdentifiers(t *testing.T) {
	madeUp := map[string]bool{
		"ca_root_cryptopro-test-uc-2012_gost2012-256.cer":        true,
		"ca_root_esia-test-blastoff_gost2012-256_nullparams.pem": true,
		"ee_esia-test-demo-org-57402_innle-ogrn.pem":             true,
	}
	for _, path := range realworldCerts(t) {
		name := filepath.Base(path)
		c := loadOne(t, path)
		n := c.Subject
		var errs []error
		if n.INN != "" {
			errs = append(errs, ruid.ValidateINN(n.INN))
		}
		if n.INNLE != "" {
			errs = append(errs, ruid.ValidateINNLE(n.INNLE))
		}
		if n.OGRN != "" {
			errs = append(errs, ruid.ValidateOGRN(n.OGRN))
		}
		if len(errs) == 0 {
			continue
		}
		for _, err := range errs {
			if madeUp[name] != (err != nil) {
				t.Errorf("%s: %v (made-up numbers: %v)", name, err, madeUp[name])
			}
		}
		if org := n.OrganizationINN(); len(org) != 10 || ruid.ValidateINNLE(org) != nil && !madeUp[name] {
			t.Errorf("%s: organisation INN %q", name, org)
		}
	}
}

// TestRealWorldQualified: state and accredited certificates look
// qualified; the TC26 example CA and GOST 2001 roots do not.
func TestRealWorldQualified(t *testing.T) {
	for _, path := range realworldCerts(t) {
		name := filepath.Base(path)
		c := loadOne(t, path)
		want := !strings.Contains(name, "gost2001") && !strings.Contains(name, "tc26-example")
		if c.Qualified() != want {
			t.Errorf("%s: qualified %v, want %v", name, c.Qualified(), want)
		}
	}
}
