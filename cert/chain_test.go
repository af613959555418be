package cert

import (
	"encoding/asn1"
	"errors"
	"testing"
	"time"
)

// reencodeName writes n again with every value as a UTF8String.
func reencodeName(t *testing.T, n Name) []byte {
	t.Helper()
	var rdns [][]byte
	for _, a := range n.Attributes {
		oid, err := asn1.Marshal(a.Type)
		if err != nil {
			t.Fatal(err)
		}
		atv := der(0x30, oid, der(0x0c, []byte(a.Value)))
		if a.MultiValued {
			rdns[len(rdns)-1] = append(rdns[len(rdns)-1], atv...)
		} else {
			rdns = append(rdns, atv)
		}
	}
	var sets [][]byte
	for _, r := range rdns {
		sets = append(sets, der(0x31, r))
	}
	return der(0x30, sets...)
}

func TestIssuerNameMatching(t *testing.T) {
	root := realworldByPrefix(t, "ca_root_esia-test-blastoff")
	demo := realworldByPrefix(t, "ee_esia-test-demo-org")
	at := demo.NotBefore.Add(time.Hour)

	// The same name with other string types still names the issuer.
	p := splitCert(t, root.Raw)
	p.subject = reencodeName(t, root.Subject)
	reencoded, err := Parse(p.build())
	if err != nil {
		t.Fatal(err)
	}
	if string(reencoded.RawSubject) == string(demo.RawIssuer) {
		t.Fatal("re-encoding changed nothing")
	}
	if _, err := VerifyChain(demo, nil, []*Certificate{reencoded}, at); err != nil {
		t.Errorf("re-encoded issuer name: %v", err)
	}

	// A different subject key identifier means another key of the CA.
	q := splitCert(t, root.Raw)
	q.exts = extensions(
		extension(derOIDBasic, true, der(0x30, []byte{0x01, 0x01, 0xff})),
		extension([]byte{0x06, 0x03, 0x55, 0x1d, 0x0e}, false, der(0x04, []byte{1, 2, 3, 4})))
	otherKey, err := Parse(q.build())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyChain(demo, nil, []*Certificate{otherKey}, at); !errors.Is(err, ErrUnknownAuthority) {
		t.Errorf("key identifier mismatch: %v, want ErrUnknownAuthority", err)
	}
	// Another name is another issuer.
	r := splitCert(t, root.Raw)
	r.subject = nameWith(derOIDCN, der(0x0c, []byte("blastoff_ca_test")))
	otherName, err := Parse(r.build())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyChain(demo, nil, []*Certificate{otherName}, at); !errors.Is(err, ErrUnknownAuthority) {
		t.Errorf("other name: %v, want ErrUnknownAuthority", err)
	}
}

func TestValidAtBoundaries(t *testing.T) {
	c := realworldByPrefix(t, "ca_tensor")
	for _, tc := range []struct {
		at   time.Time
		want error
	}{
		{c.NotBefore, nil},
		{c.NotAfter, nil},
		{c.NotBefore.Add(-time.Nanosecond), ErrNotYetValid},
		{c.NotAfter.Add(time.Nanosecond), ErrExpired},
	} {
		if err := c.ValidAt(tc.at); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("at %v: %v, want %v", tc.at, err, tc.want)
		}
	}
}
