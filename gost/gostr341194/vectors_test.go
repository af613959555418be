package gostr341194

import (
	"encoding/hex"
	"hash"
	"strings"
	"testing"
)

// Examples of RFC 5831 section 7.3 (test parameters) and the CryptoPro
// parameter values OpenSSL's md_gost94 gives for the same messages
// (published with the GOST R 34.11-94 article's examples).
var vectors = []struct {
	name     string
	msg      string
	test, cp string
}{
	{"32 bytes", "This is message, length=32 bytes",
		"b1c466d37519b82e8319819ff32595e047a28cb6f83eff1c6916a815a637fffa",
		"2cefc2f7b7bdc514e18ea57fa74ff357e7fa17d652c75f69cb1be7893ede48eb"},
	{"50 bytes", "Suppose the original message has length = 50 bytes",
		"471aba57a60a770d3a76130635c1fbea4ef14de51f78b4ae57dd893b62f55208",
		"c3730c5cbccacf915ac292676f21e8bd4ef75331d9405e5f1a61dc3130a65011"},
	{"abc", "abc",
		"f3134348c44fb1b2a277729e2285ebb5cb5e0f29c975bc753b70497c06a4d51d",
		"b285056dbf18d7392d7677369524dd14747459ed8143997e163b2986f92fd42c"},
	{"128 U", strings.Repeat("U", 128),
		"53a3a3ed25180cef0c1d85a074273e551c25660a87062a52d926a9e8fe5733a4",
		"1c4ac7614691bbf427fa2316216be8f10d92edfd37cd1027514c1008f649c4e8"},
}

func TestVectors(t *testing.T) {
	for _, v := range vectors {
		for _, c := range []struct {
			set  string
			h    hash.Hash
			want string
		}{{"test", NewTest(), v.test}, {"cryptopro", NewCryptoPro(), v.cp}} {
			c.h.Write([]byte(v.msg))
			if got := hex.EncodeToString(c.h.Sum(nil)); got != c.want {
				t.Errorf("%s %s: %s, want %s", v.name, c.set, got, c.want)
			}
		}
	}
}
