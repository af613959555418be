package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/validate"
)

// awkwardStrings are strings encoding/json escapes: HTML characters,
// quotes, control characters, the JavaScript line separators and invalid
// UTF-8.
var awkwardStrings = []string{
	"plain", "<script>&amp;</script>", `quote " and back\slash`, "\x00\x01\x07\x1f\x7f", "\b\f\n\r\t",
	"line\u2028sep\u2029", "bad \xff\xfe utf-8 \xe2\x82", "Иванов Иван Иванович", "emoji 🙂 end", "tail\xc3",
}

// filler sets every field it reaches to a value that is not the zero
// value, each string different, so that a field missing from AppendJSON
// or written under another's name shows.
type filler struct {
	n     int
	zone  *time.Location
	elems int
}

func (f *filler) fill(t *testing.T, v reflect.Value) {
	t.Helper()
	if v.Type() == reflect.TypeFor[time.Time]() {
		f.n++
		v.Set(reflect.ValueOf(time.Date(2000+f.n, time.Month(1+f.n%12), 1+f.n%28, f.n%24, 7, 9, f.n*1000+1, f.zone)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		f.n++
		v.SetString(fmt.Sprintf("%s %d", awkwardStrings[f.n%len(awkwardStrings)], f.n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		f.fill(t, v.Elem())
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			f.n++
			v.SetBytes([]byte{byte(f.n), 0xff, 0, 0x3e, 0x3f})
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), f.elems, f.elems))
		for i := range f.elems {
			f.fill(t, v.Index(i))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f.fill(t, v.Field(i))
			}
		}
	default:
		t.Fatalf("%s: no test value for a field of kind %s: teach the filler and AppendJSON", v.Type(), v.Kind())
	}
}

// checkSameJSON fails unless AppendJSON gives what encoding/json gives.
func checkSameJSON(t *testing.T, what string, v *verifyJSON) {
	t.Helper()
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: encoding/json: %v", what, err)
	}
	prefix := []byte("prefix")
	got, err := v.AppendJSON(prefix)
	if err != nil {
		t.Fatalf("%s: AppendJSON: %v", what, err)
	}
	if !bytes.HasPrefix(got, prefix) {
		t.Fatalf("%s: AppendJSON did not append", what)
	}
	if got = got[len(prefix):]; !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%s: AppendJSON differs from encoding/json at byte %d:\n got  %s\n want %s", what, i, got[max(0, i-40):min(len(got), i+60)],
			want[max(0, i-40):min(len(want), i+60)])
	}
}

func TestReportJSONAppendMatchesEncoding(t *testing.T) {
	moscow := time.FixedZone("MSK", 3*3600)
	for _, tc := range []struct {
		name  string
		zone  *time.Location
		elems int
	}{
		{"every field, one element per list", time.UTC, 1},
		{"every field, three elements per list", moscow, 3},
		{"every field, empty lists", time.UTC, 0},
	} {
		v := &verifyJSON{}
		(&filler{zone: tc.zone, elems: tc.elems}).fill(t, reflect.ValueOf(v).Elem())
		checkSameJSON(t, tc.name, v)
	}
	checkSameJSON(t, "zero value", &verifyJSON{})
	checkSameJSON(t, "one zero signature", &verifyJSON{Signatures: []signatureJSON{{}}})
	checkSameJSON(t, "empty lists", &verifyJSON{Signatures: []signatureJSON{{SignatureJSON: validate.SignatureJSON{Checks: []validate.Check{},
		Notes: []string{}, SignatureValidationStatus: validate.ValidationStatus{SubIndication: []string{},
			Associated: &validate.AssociatedReportData{CertificateChain: []validate.CertificateJSON{}}}}}}})

	for _, tc := range []struct{ sig, content, ca string }{
		{"cms_gost2012-256_detached_cryptoarm_sign2012-256_det.txt.sig.pem", "content_cryptoarm_test_crlf.txt", cryptoproTestRoot},
		{"cms_gost2012-256_detached_cades-x-long-type1_cryptoarm_signCadesDetached.txt.sig", "content_cryptoarm_signCadesDetached.txt", cryptoproTestRoot},
		{"cms_gost2012-256_attached_NEGATIVE_bad-signature_cryptoarm_file1.xlsx.sig", "", ""},
		{"cms_gost2001_detached_cryptopro-csp_pycryptoprosdk_doc.txt.sgn.b64", "content_pycryptoprosdk_doc.txt", ""},
	} {
		sig, err := cms.Decode(readTestFile(t, realworld(t, tc.sig)))
		if err != nil {
			t.Fatal(err)
		}
		opts := &validate.Options{Revocation: &validate.RevocationOptions{Offline: true}}
		if tc.content != "" {
			opts.Content = bytes.NewReader(readTestFile(t, realworld(t, tc.content)))
		}
		if tc.ca != "" {
			if opts.Anchors, err = cert.ParseAll(readTestFile(t, realworld(t, tc.ca))); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := validate.Validate(sig, opts)
		if err != nil {
			t.Fatal(err)
		}
		v := reportJSON(rep)
		checkSameJSON(t, tc.sig, &v)
	}
}

func realworldB(t testing.TB, name string) string {
	return filepath.Join(osslref.Root(t), "..", "shared", "realworld", name)
}

const cryptoproTestRoot = "ca_root_cryptopro-test-uc-2012_gost2012-256.cer"

func readTestFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReportJSONAppendFailsOnTimeOutOfRange: encoding/json refuses a time
// whose year has five digits, and so does AppendJSON.
func TestReportJSONAppendFailsOnTimeOutOfRange(t *testing.T) {
	v := &verifyJSON{ValidatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := json.Marshal(v); err == nil {
		t.Fatal("encoding/json accepted the year 10000")
	}
	if _, err := v.AppendJSON(nil); err == nil {
		t.Fatal("AppendJSON accepted the year 10000")
	}
}

// FuzzReportJSONString holds AppendJSON's string escaping to
// encoding/json's.
func FuzzReportJSONString(f *testing.F) {
	for _, s := range awkwardStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		e := jsonAppender{}
		e.str(s)
		if !bytes.Equal(e.b, want) {
			t.Fatalf("%q: got %s, want %s", s, e.b, want)
		}
	})
}

// BenchmarkReportJSON encodes the report of CryptoARM's detached
// signature as verify-server answers it, by AppendJSON and by
// encoding/json.
func BenchmarkReportJSON(b *testing.B) {
	sig, err := cms.Decode(readTestFile(b, realworldB(b, "cms_gost2012-256_detached_cryptoarm_sign2012-256_det.txt.sig.pem")))
	if err != nil {
		b.Fatal(err)
	}
	anchors, err := cert.ParseAll(readTestFile(b, realworldB(b, cryptoproTestRoot)))
	if err != nil {
		b.Fatal(err)
	}
	rep, err := validate.Validate(sig, &validate.Options{Anchors: anchors,
		Content: bytes.NewReader(readTestFile(b, realworldB(b, "content_cryptoarm_test_crlf.txt")))})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("report", func(b *testing.B) {
		for b.Loop() {
			reportJSON(rep)
		}
	})
	v := reportJSON(rep)
	b.Run("AppendJSON", func(b *testing.B) {
		buf := make([]byte, 0, 8<<10)
		for b.Loop() {
			if _, err := v.AppendJSON(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(&v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
