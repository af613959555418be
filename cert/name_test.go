package cert

import (
	"encoding/asn1"
	"testing"
	"unicode/utf16"
)

func bmp(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return der(0x1e, b)
}

func TestNameStringTypes(t *testing.T) {
	oidO := []byte{0x06, 0x03, 0x55, 0x04, 0x0a}
	oidSNILS := []byte{0x06, 0x05, 0x2a, 0x85, 0x03, 0x64, 0x03}
	raw := der(0x30,
		der(0x31, der(0x30, derOIDCN, der(0x0c, []byte("Иванов, Иван")))),
		der(0x31, der(0x30, oidO, bmp("ООО «Ромашка»")), der(0x30, derOIDINN, der(0x12, []byte("770712345633")))),
		der(0x31, der(0x30, oidSNILS, der(0x0c, []byte("11223344595")))),
		der(0x31, der(0x30, []byte{0x06, 0x03, 0x55, 0x04, 0x07}, der(0x14, []byte{'M', 0xfc, 'n'}))),
		der(0x31, der(0x30, []byte{0x06, 0x03, 0x55, 0x04, 0x08}, der(0x1c, []byte{0, 0, 0x04, 0x1c, 0, 0, 0, '7'}))),
		der(0x31, der(0x30, []byte{0x06, 0x03, 0x2a, 0x03, 0x04}, []byte{0x02, 0x01, 0x05})),
		der(0x31, der(0x30, []byte{0x06, 0x03, 0x55, 0x04, 0x06}, der(0x13, []byte("RU")))),
		der(0x31, der(0x30, []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01}, der(0x16, []byte(" a#b@c.ru ")))),
	)
	n, err := parseName(raw)
	if err != nil {
		t.Fatal(err)
	}
	if n.CommonName != "Иванов, Иван" || n.Organization != "ООО «Ромашка»" || n.INN != "770712345633" ||
		n.SNILS != "11223344595" || n.Locality != "Mün" || n.Province != "М7" || n.Country != "RU" || n.Email != " a#b@c.ru " {
		t.Errorf("fields %+v", n)
	}
	if len(n.Attributes) != 9 || !n.Attributes[2].MultiValued || n.Attributes[1].MultiValued || n.Attributes[6].IsString() ||
		n.Attributes[6].Value != "#020105" || !n.Attributes[6].Type.Equal(asn1.ObjectIdentifier{1, 2, 3, 4}) {
		t.Errorf("attributes %+v", n.Attributes)
	}
	want := `E=\ a#b@c.ru\ , C=RU, 1.2.3.4=#020105, ST=М7, L=Mün, SNILS=11223344595, O=ООО «Ромашка»+INN=770712345633, CN=Иванов\, Иван`
	if got := n.String(); got != want {
		t.Errorf("String\n got %s\nwant %s", got, want)
	}
	if n.PersonINN() != "770712345633" || n.OrganizationINN() != "" {
		t.Errorf("INN split %q %q", n.PersonINN(), n.OrganizationINN())
	}
}

func TestLegacyOrganizationINNInRealCertificate(t *testing.T) {
	c := realworldByPrefix(t, "ca_root_minkomsvyaz")
	if c.Subject.INN != "007710474375" || c.Subject.OrganizationINN() != "7710474375" || c.Subject.PersonINN() != "" {
		t.Errorf("INN %q organisation %q person %q", c.Subject.INN, c.Subject.OrganizationINN(), c.Subject.PersonINN())
	}
	n := realworldByPrefix(t, "ca_root_mincifry").Subject
	if n.INNLE != "7710474375" || n.OrganizationINN() != "7710474375" {
		t.Errorf("INNLE %q", n.INNLE)
	}
}

func TestEscapeValue(t *testing.T) {
	for in, want := range map[string]string{
		"plain":               "plain",
		"#a# b":               `\#a# b`,
		" a ":                 `\ a\ `,
		" ":                   `\ `,
		`a,b+c"d\e<f>g;h`:     `a\,b\+c\"d\\e\<f\>g\;h`,
		"a\x01b\x1f\x7f":      `a\01b\1F\7F`,
		"ООО «Ромашка»":       "ООО «Ромашка»",
		"a\xffb\xd0":          "a\uFFFDb\uFFFD",
		"\u041f,\u00a0\u2028": "\u041f\\,\u00a0\u2028",
	} {
		if got := escapeValue(in); got != want {
			t.Errorf("escapeValue(%q) = %q, want %q", in, got, want)
		}
	}
}

// A multi-valued attribute that opens a name starts its RDN.
func TestNameStringMultiValuedFirst(t *testing.T) {
	n := Name{Attributes: []Attribute{
		{Type: oidCommonName, Value: "a", Tag: 12, MultiValued: true},
		{Type: oidCountry, Value: "RU", Tag: 19, MultiValued: true},
		{Type: oidLocality, Value: "b", Tag: 12},
	}}
	if got, want := n.String(), "L=b, CN=a+C=RU"; got != want {
		t.Errorf("String %q, want %q", got, want)
	}
	if got := (Name{}).String(); got != "" {
		t.Errorf("empty name %q", got)
	}
}

func BenchmarkNameString(b *testing.B) {
	n := realworldByPrefix(b, "ca_root_mincifry").Subject
	for b.Loop() {
		_ = n.String()
	}
}
