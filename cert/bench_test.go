package cert

import (
	"crypto/x509"
	"testing"
	"time"
)

func BenchmarkParseGOST(b *testing.B) {
	der := realworldByPrefix(b, "ca_tensor").Raw
	for b.Loop() {
		if _, err := Parse(der); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseGOSTStdlib(b *testing.B) {
	der := realworldByPrefix(b, "ca_tensor").Raw
	for b.Loop() {
		if _, err := x509.ParseCertificate(der); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyChainGOST(b *testing.B) {
	leaf := realworldByPrefix(b, "ca_tensor")
	roots := []*Certificate{realworldByPrefix(b, "ca_root_minkomsvyaz")}
	at := leaf.NotBefore.Add(time.Hour)
	for b.Loop() {
		if _, err := VerifyChain(leaf, nil, roots, at); err != nil {
			b.Fatal(err)
		}
	}
}
