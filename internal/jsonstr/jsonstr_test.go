package jsonstr

import (
	"encoding/json"
	"strings"
	"testing"
)

// Every case must come out as encoding/json writes it.
var cases = []string{
	"", "plain ascii words", "Иванов Иван Иванович", "ООО «Ромашка» & сыновья",
	"<script>alert(1)</script>", `quote " and backslash \`, "\b\f\n\r\t\x00\x01\x1f\x7f",
	"\u2028 line and \u2029 paragraph", "bad \xff utf-8 \xc3", "\xe2\x80", "\xed\xa0\x80 surrogate",
	"emoji 😀 and 日本語", strings.Repeat("abcdefgh", 9) + "<", "12345678\"", "1234567\xc2",
	"CN=Test,O=Org+OU=Unit", "\xc2\xa0nbsp\xdf\xbf", "\xc1\x81 overlong",
	"ЖЖЖ\xd0", "ЖЖ\xd0A", "Ж\xc2\xa0Ж\u2028Ж", "ЖЖ<ЖЖ\"", "Жж\xd0\xd0\x80",
}

func TestAppendMatchesEncodingJSON(t *testing.T) {
	for _, s := range cases {
		check(t, s)
	}
	// Every single byte, and every byte after a run of plain ones (the
	// eight-byte scan's edges).
	for c := 0; c < 256; c++ {
		check(t, string([]byte{byte(c)}))
		check(t, "abcdefg"+string([]byte{byte(c)}))
		check(t, "abcdefgh"+string([]byte{byte(c)})+"ijklmnop")
	}
}

func check(t *testing.T, s string) {
	t.Helper()
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	got := Append([]byte("prefix:"), s)
	if string(got) != "prefix:"+string(want) {
		t.Errorf("%q: got %s, want %s", s, got[len("prefix:"):], want)
	}
}

func FuzzAppend(f *testing.F) {
	for _, s := range cases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { check(t, s) })
}

// BenchmarkAppendName encodes a distinguished name of a Russian CA, as
// reports hold several: Cyrillic words between ASCII labels and spaces.
func BenchmarkAppendName(b *testing.B) {
	s := `CN=Федеральное казначейство, O=Федеральное казначейство, STREET="Большой Златоустинский переулок, д. 6, строение 1", L=г. Москва, ST=77 Москва, C=RU, INNLE=7710568760, OGRN=1047797019830, E=uc@roskazna.ru`
	b.SetBytes(int64(len(s)))
	buf := make([]byte, 0, 2*len(s))
	for b.Loop() {
		buf = Append(buf[:0], s)
	}
}
