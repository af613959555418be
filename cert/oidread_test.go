package cert

import (
	"encoding/asn1"
	"slices"
	"testing"

	"golang.org/x/crypto/cryptobyte"
)

// readOID reads what ReadASN1ObjectIdentifier reads, common or not, well
// formed or not, and a common identifier's value survives an append to
// the one returned.
func TestReadOID(t *testing.T) {
	var inputs [][]byte
	for _, o := range []asn1.ObjectIdentifier{oidCommonName, oidExtKeyUsage, {1, 2, 643, 2, 2, 35, 1}, {1, 2, 3, 4, 5}, {2, 999, 1}} {
		der, err := asn1.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, append(der, 0x05, 0x00))
	}
	inputs = append(inputs, []byte{0x06, 0x00}, []byte{0x06, 0x01, 0x80}, []byte{0x06, 0x05, 0x55}, []byte{0x04, 0x03, 0x55, 0x04, 0x03})
	for _, in := range inputs {
		a, b := cryptobyte.String(in), cryptobyte.String(in)
		var got, want asn1.ObjectIdentifier
		okGot, okWant := readOID(&a, &got), b.ReadASN1ObjectIdentifier(&want)
		if okGot != okWant || !got.Equal(want) || !slices.Equal(a, b) {
			t.Errorf("% x: readOID %v %v rest % x, ReadASN1ObjectIdentifier %v %v rest % x", in, okGot, got, []byte(a), okWant, want, []byte(b))
		}
	}

	der, _ := asn1.Marshal(oidCommonName)
	s := cryptobyte.String(der)
	var first asn1.ObjectIdentifier
	if !readOID(&s, &first) {
		t.Fatal("common name not read")
	}
	if grown := append(first, 99); len(grown) != 5 {
		t.Fatalf("appended: %v", grown)
	}
	s = cryptobyte.String(der)
	var second asn1.ObjectIdentifier
	if !readOID(&s, &second) || !second.Equal(asn1.ObjectIdentifier{2, 5, 4, 3}) {
		t.Errorf("after an append to the first, the second read gives %v", second)
	}
}
