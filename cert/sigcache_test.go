package cert

import (
	"bytes"
	"errors"
	"sync"
	"testing"
)

// A SignatureCache answers a pair found valid before without checking it
// again, never answers for a pair differing by one byte, keeps no failure,
// and forgets the least recently used pair beyond its size.
func TestSignatureCache(t *testing.T) {
	ca := realworldByPrefix(t, "ca_cryptopro-llc_2019")
	root := realworldByPrefix(t, "ca_root_minkomsvyaz-rossii_2018")
	sc := NewSignatureCache(2)
	for i := range 3 {
		if err := sc.CheckSignatureFrom(ca, root); err != nil {
			t.Fatalf("CA by its root: %v", err)
		}
		if got := sc.Hits(); got != uint64(i) {
			t.Errorf("check %d: %d hits, want %d", i+1, got, i)
		}
	}

	// The same certificate with one byte of its signature changed: a
	// different key, checked, failing, not kept.
	bad := bytes.Clone(ca.Raw)
	bad[len(bad)-1] ^= 1
	b, err := Parse(bad)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := sc.CheckSignatureFrom(b, root); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("changed certificate: %v", err)
		}
	}
	// Nor the root by the CA.
	if err := sc.CheckSignatureFrom(root, ca); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("root by the CA: %v", err)
	}
	if sc.Len() != 1 || sc.Hits() != 2 {
		t.Fatalf("%d entries and %d hits after failures, want 1 and 2", sc.Len(), sc.Hits())
	}

	// Size 2: a third valid pair pushes out the least recently used.
	roots := map[string]*Certificate{}
	for _, p := range []string{"ca_root_cryptopro-test-uc-2012", "ca_root_mincifry-rossii_2026"} {
		roots[p] = realworldByPrefix(t, p)
	}
	self := func(p string) {
		t.Helper()
		if err := sc.CheckSignatureFrom(roots[p], roots[p]); err != nil {
			t.Fatalf("%s by itself: %v", p, err)
		}
	}
	self("ca_root_cryptopro-test-uc-2012")
	self("ca_root_mincifry-rossii_2026") // the CA's pair is now the oldest
	if sc.Len() != 2 {
		t.Fatalf("%d entries, want 2", sc.Len())
	}
	hits := sc.Hits()
	if err := sc.CheckSignatureFrom(ca, root); err != nil || sc.Hits() != hits {
		t.Errorf("the least recently used pair was kept: %v, hits %d → %d", err, hits, sc.Hits())
	}
	self("ca_root_mincifry-rossii_2026")
	if sc.Hits() != hits+1 {
		t.Errorf("a recently used pair was forgotten")
	}
}

// Concurrent checks through one cache give the check's answers.
func TestSignatureCacheConcurrent(t *testing.T) {
	ca := realworldByPrefix(t, "ca_cryptopro-llc_2019")
	root := realworldByPrefix(t, "ca_root_minkomsvyaz-rossii_2018")
	sc := NewSignatureCache(4)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 8 {
		wg.Go(func() {
			if err := sc.CheckSignatureFrom(ca, root); err != nil {
				errs <- err
			}
			if err := sc.CheckSignatureFrom(root, ca); err == nil {
				errs <- errors.New("root by the CA passed")
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if sc.Len() != 1 {
		t.Errorf("%d entries, want 1", sc.Len())
	}
}

// A Memo sharing a cache uses it; a nil cache checks every time.
func TestMemoShared(t *testing.T) {
	ca := realworldByPrefix(t, "ca_cryptopro-llc_2019")
	root := realworldByPrefix(t, "ca_root_minkomsvyaz-rossii_2018")
	sc := NewSignatureCache(8)
	for range 3 {
		m := NewMemoShared(sc)
		if err := m.CheckSignatureFrom(ca, root); err != nil {
			t.Fatal(err)
		}
	}
	if sc.Hits() != 2 {
		t.Errorf("%d hits over three validations, want 2", sc.Hits())
	}
	var none *SignatureCache
	if err := NewMemoShared(none).CheckSignatureFrom(ca, root); err != nil || none.Len() != 0 {
		t.Errorf("nil cache: %v", err)
	}
}
