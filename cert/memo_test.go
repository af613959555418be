package cert

import (
	"bytes"
	"errors"
	"testing"
)

// A Memo parses each DER once and answers a signature check for a pair as
// the check itself does, failures included.
func TestMemoParsesOnceAndRemembersChecks(t *testing.T) {
	ca := realworldByPrefix(t, "ca_cryptopro-llc_2019")
	root := realworldByPrefix(t, "ca_root_minkomsvyaz-rossii_2018")
	m := NewMemo()
	c1, err := m.Parse(ca.Raw)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := m.Parse(bytes.Clone(ca.Raw))
	if err != nil {
		t.Fatal(err)
	}
	if c1 != c2 {
		t.Error("the same DER parsed twice gave two certificates")
	}
	r, err := m.Parse(root.Raw)
	if err != nil {
		t.Fatal(err)
	}
	if r == c1 {
		t.Fatal("two certificates parsed into one")
	}
	if _, err := m.Parse(ca.Raw[:len(ca.Raw)-1]); !errors.Is(err, ErrMalformed) {
		t.Errorf("truncated DER: %v", err)
	}

	for range 2 {
		if err := m.CheckSignatureFrom(c1, r); err != nil {
			t.Fatalf("CA by its root: %v", err)
		}
	}
	// The root did not sign itself with the CA's key: the failure is the
	// check's and stays the same when asked again.
	want := r.CheckSignatureFrom(c1)
	if !errors.Is(want, ErrBadSignature) {
		t.Fatalf("root by the CA: %v", want)
	}
	for range 2 {
		if err := m.CheckSignatureFrom(r, c1); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("root by the CA through the memo: %v", err)
		}
	}

	// A certificate differing in its signature parses apart and is checked
	// apart.
	bad := bytes.Clone(ca.Raw)
	bad[len(bad)-1] ^= 1
	b, err := m.Parse(bad)
	if err != nil {
		t.Fatal(err)
	}
	if b == c1 {
		t.Fatal("a different DER gave the cached certificate")
	}
	if err := m.CheckSignatureFrom(b, r); !errors.Is(err, ErrBadSignature) {
		t.Errorf("tampered CA by its root: %v", err)
	}
	if err := m.CheckSignatureFrom(c1, r); err != nil {
		t.Errorf("CA by its root after the tampered one: %v", err)
	}
}

// A nil Memo remembers nothing and checks as the certificates do.
func TestNilMemo(t *testing.T) {
	ca := realworldByPrefix(t, "ca_cryptopro-llc_2019")
	root := realworldByPrefix(t, "ca_root_minkomsvyaz-rossii_2018")
	var m *Memo
	c1, err := m.Parse(ca.Raw)
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := m.Parse(ca.Raw)
	if c1 == c2 {
		t.Error("a nil Memo shared a certificate")
	}
	if err := m.CheckSignatureFrom(c1, root); err != nil {
		t.Error(err)
	}
	if err := m.CheckSignatureFrom(c1, nil); !errors.Is(err, ErrUnknownAuthority) {
		t.Errorf("no issuer: %v", err)
	}
}
