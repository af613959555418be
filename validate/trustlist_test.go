package validate

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
)

const testUC = "Тестовый удостоверяющий центр ООО \"КРИПТО-ПРО\""

// TestParseTrustList reads the constructed list: its CAs, their
// certificates, and the accreditation periods of the current status and
// of the history, with times in Moscow time where no zone is written.
func TestParseTrustList(t *testing.T) {
	tl := loadTrustList(t)
	if tl.Version != 42 || !tl.Date.Equal(time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("version %d, date %v", tl.Version, tl.Date)
	}
	if len(tl.CAs) != 8 || len(tl.Anchors()) != 8 {
		t.Fatalf("%d CAs, %d anchors", len(tl.CAs), len(tl.Anchors()))
	}
	var uc *AccreditedCA
	for _, ca := range tl.CAs {
		if ca.Name == testUC {
			uc = ca
		}
	}
	if uc == nil {
		t.Fatal("test CA not found")
	}
	if uc.Status != StatusInForce || uc.RegistryNumber != "901" || len(uc.Periods) != 3 || uc.Certificates[0].Complex != "Тестовый УЦ 2012" {
		t.Fatalf("%+v", uc)
	}
	msk := time.FixedZone("", 3*3600)
	for _, tc := range []struct {
		at       time.Time
		ok       bool
		from, to time.Time
	}{
		{time.Date(2019, 12, 1, 0, 0, 0, 0, msk), true, time.Date(2018, 9, 1, 0, 0, 0, 0, msk), time.Date(2019, 12, 31, 23, 59, 59, 0, msk)},
		{time.Date(2020, 1, 2, 0, 0, 0, 0, msk), false, time.Time{}, time.Time{}},
		{time.Date(2020, 1, 5, 0, 0, 0, 0, msk), true, time.Date(2020, 1, 5, 0, 0, 0, 0, msk), time.Time{}},
		{time.Date(2018, 8, 31, 23, 59, 0, 0, msk), false, time.Time{}, time.Time{}},
	} {
		p, ok := uc.AccreditedAt(tc.at)
		if ok != tc.ok || !p.From.Equal(tc.from) || !p.To.Equal(tc.to) {
			t.Errorf("at %v: %+v %v, want %v from %v to %v", tc.at, p, ok, tc.ok, tc.from, tc.to)
		}
	}
}

// TestTrustListAccreditation: a path ending at a CA of the list passes
// only while the CA's accreditation is in force, and the report names
// the CA and the period.
func TestTrustListAccreditation(t *testing.T) {
	dir := realworldDir(t)
	sig := readFile(t, filepath.Join(dir, "cms_gost2012-256_detached_cryptoarm_sign2012-256_det.txt.sig.pem"))
	content := readFile(t, filepath.Join(dir, "content_cryptoarm_test_crlf.txt"))
	tl := loadTrustList(t)
	for _, tc := range []struct {
		name string
		at   time.Time
		want verdict
		from time.Time
	}{
		// The signature says 2020-01-10: the current accreditation.
		{"signing time", time.Time{}, passed, time.Date(2020, 1, 4, 21, 0, 0, 0, time.UTC)},
		{"earlier accreditation", time.Date(2019, 12, 1, 0, 0, 0, 0, time.UTC), passed, time.Date(2018, 8, 31, 21, 0, 0, 0, time.UTC)},
		{"accreditation suspended", time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC), verdict{Indeterminate, ChainConstraintsFailure}, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Validate(sig, &Options{Content: bytes.NewReader(content), TrustList: tl, At: tc.at})
			if err != nil {
				t.Fatal(err)
			}
			s := rep.Signatures[0]
			if got := (verdict{s.Indication, s.SubIndication}); got != tc.want {
				t.Fatalf("verdict %v, want %v (%s)", got, tc.want, s.Detail)
			}
			if s.TrustList == nil || s.TrustList.CA.Name != testUC {
				t.Fatalf("trust list entry %+v", s.TrustList)
			}
			if s.TrustList.Accredited != (tc.want == passed) || !s.TrustList.Period.From.Equal(tc.from) {
				t.Errorf("accredited %v from %v, want from %v", s.TrustList.Accredited, s.TrustList.Period.From, tc.from)
			}
			if tc.want != passed && !strings.Contains(s.Detail, testUC) {
				t.Errorf("detail does not name the CA: %s", s.Detail)
			}
			j := rep.Simple().Signatures[0].SignatureValidationStatus.Associated.TrustedList
			if j == nil || j.CA != testUC || j.Accredited != (tc.want == passed) || j.RegistryNumber != "901" {
				t.Errorf("JSON trusted list %+v", j)
			}
		})
	}
}

// TestTrustListWindows1251 reads the list re-encoded in windows-1251.
func TestTrustListWindows1251(t *testing.T) {
	utf := readFile(t, filepath.Join("testdata", "trustlist.xml"))
	utf = bytes.Replace(utf, []byte(`encoding="UTF-8"`), []byte(`encoding="windows-1251"`), 1)
	cp, err := charmap.Windows1251.NewEncoder().Bytes(utf)
	if err != nil {
		t.Fatal(err)
	}
	tl, err := ParseTrustList(cp)
	if err != nil {
		t.Fatal(err)
	}
	if len(tl.CAs) != 8 || tl.CAs[5].Name != testUC {
		t.Errorf("%d CAs, sixth %q", len(tl.CAs), tl.CAs[5].Name)
	}
}

// TestTrustListRefused: a list that does not read fails whole.
func TestTrustListRefused(t *testing.T) {
	good := string(readFile(t, filepath.Join("testdata", "trustlist.xml")))
	for name, data := range map[string]string{
		"not XML":         "this is not a list",
		"other root":      "<TrustServiceStatusList></TrustServiceStatusList>",
		"no CA":           "<АккредитованныеУдостоверяющиеЦентры><Версия>1</Версия></АккредитованныеУдостоверяющиеЦентры>",
		"bad certificate": strings.Replace(good, "<Данные>MII", "<Данные>!!!", 1),
		"bad date":        strings.Replace(good, "2018-09-20T00:00:00", "20 сентября", 1),
		"bad version":     strings.Replace(good, "<Версия>42", "<Версия>сорок два", 1),
	} {
		if _, err := ParseTrustList([]byte(data)); !errors.Is(err, ErrTrustList) {
			t.Errorf("%s: %v, want ErrTrustList", name, err)
		}
	}
}
