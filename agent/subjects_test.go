package agent

import (
	"encoding/asn1"
	"strconv"
	"strings"
	"testing"

	"github.com/zavera/zavera/cert"
)

// The remembered subject name is the certificate's own, and stays right
// when other certificates come along and the memory starts afresh.
func TestSubjectNames(t *testing.T) {
	var names subjectNames
	mk := func(cn string) *cert.Certificate {
		c := &cert.Certificate{Subject: cert.Name{Attributes: []cert.Attribute{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: cn, Tag: 12}}}}
		c.RawSubject = []byte("subject of " + cn)
		return c
	}
	a, b := mk("Иванов"), mk("Петров")
	if !strings.Contains(names.of(a), "Иванов") || !strings.Contains(names.of(b), "Петров") {
		t.Fatalf("names %q, %q", names.of(a), names.of(b))
	}
	for i := range 2*maxSubjectNames + 3 {
		if got := names.of(a); got != a.Subject.String() {
			t.Fatalf("round %d: %q, want %q", i, got, a.Subject.String())
		}
		if got := names.of(b); got != b.Subject.String() {
			t.Fatalf("round %d: %q, want %q", i, got, b.Subject.String())
		}
		names.of(mk(strconv.Itoa(i)))
	}
	if len(names.m) > maxSubjectNames {
		t.Fatalf("%d names remembered, limit %d", len(names.m), maxSubjectNames)
	}
}
