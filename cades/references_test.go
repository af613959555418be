package cades

import (
	"bytes"
	"crypto/sha1"
	"encoding/asn1"
	"testing"
)

// Looking references up hashes each distinct item once per algorithm,
// and finds what is there and only that.
func TestHashedItemsHashOnce(t *testing.T) {
	a, b := []byte("certificate A"), []byte("certificate B")
	h := newHashedItems([][]byte{a, b, bytes.Clone(a)})
	if len(h.items) != 2 {
		t.Fatalf("%d items kept, want 2", len(h.items))
	}
	calls := 0
	count := func(d []byte) []byte { calls++; s := sha1.Sum(d); return s[:] }
	for range 3 {
		for i := range h.items {
			h.sum("sha1", i, count)
		}
	}
	if calls != 2 {
		t.Errorf("%d hashes for 2 items looked up 3 times", calls)
	}
	ref := func(d []byte) asn1.RawValue {
		s := sha1.Sum(d)
		der, err := asn1.Marshal(s[:])
		if err != nil {
			t.Fatal(err)
		}
		var rv asn1.RawValue
		if _, err := asn1.Unmarshal(der, &rv); err != nil {
			t.Fatal(err)
		}
		return rv
	}
	if !h.has(ref(b)) || !h.has(ref(a)) || h.has(ref([]byte("certificate C"))) {
		t.Error("lookup by SHA-1 gives the wrong answer")
	}
}
