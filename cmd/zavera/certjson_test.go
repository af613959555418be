package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/internal/osslref"
)

// A certificate that carries the organisation's INN in the legacy 12-digit
// form under the INN attribute shows it as the organisation's, in certs and
// verify alike.
func TestHolderOfLegacyOrganisationINN(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(osslref.Root(t), "..", "shared", "realworld", "ee_esia-prod_mincifry_2021_inn12-ogrn.pem"))
	if err != nil {
		t.Fatal(err)
	}
	certs, err := cert.ParseAll(data)
	if err != nil || len(certs) != 1 {
		t.Fatalf("parse: %v", err)
	}
	c := certs[0]
	h := holderOf(c)
	if len(c.Subject.INN) != 12 || c.Subject.INN[:2] != "00" {
		t.Fatalf("the test certificate should carry a legacy organisation INN, has %q", c.Subject.INN)
	}
	if h.INN != "" || h.INNLE != c.Subject.INN[2:] {
		t.Fatalf("INN %q INNLE %q, want the organisation's %q only", h.INN, h.INNLE, c.Subject.INN[2:])
	}
	if h.Issuer != c.Issuer.String() || h.Serial == "" || h.ThumbprintSHA1 == "" || h.KeyAlgorithm == "" {
		t.Fatalf("holder %+v", h)
	}
}
