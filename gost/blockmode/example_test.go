package blockmode_test

import (
	"encoding/hex"
	"fmt"

	"github.com/zavera/zavera/gost/blockmode"
	"github.com/zavera/zavera/gost/kuznyechik"
)

// Decrypting with Kuznyechik in CTR-ACPKM, sections of 256 bits: the first
// two blocks of the R 1323565.1.017-2018 A.1 example.
func ExampleNewCTRACPKM() {
	key, _ := hex.DecodeString("8899aabbccddeeff0011223344556677fedcba98765432100123456789abcdef")
	iv, _ := hex.DecodeString("1234567890abcef0")
	ct, _ := hex.DecodeString("f195d8bec10ed1dbd57b5fa240bda1b885eee733f6a13e5df33ce4b33c45dee4")
	s, err := blockmode.NewCTRACPKM(kuznyechik.NewConstantTimeCipher, key, iv, 32)
	if err != nil {
		panic(err)
	}
	pt := make([]byte, len(ct))
	s.XORKeyStream(pt, ct)
	fmt.Printf("%x\n", pt)
	// Output: 1122334455667700ffeeddccbbaa998800112233445566778899aabbcceeff0a
}
