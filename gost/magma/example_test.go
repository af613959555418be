package magma_test

import (
	"encoding/hex"
	"fmt"

	"github.com/zavera/zavera/gost/magma"
)

// The block of RFC 8891 (GOST R 34.12-2015): Magma takes its key and block
// as big-endian numbers.
func ExampleNewMagma() {
	key, _ := hex.DecodeString("ffeeddccbbaa99887766554433221100f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")
	block, _ := hex.DecodeString("fedcba9876543210")
	c, err := magma.NewMagma(key)
	if err != nil {
		panic(err)
	}
	c.Encrypt(block, block)
	fmt.Printf("%x\n", block)
	// Output: 4ee901e5c2d8ca3d
}

// Decrypting GOST 28147-89 CFB with CryptoPro key meshing, as in a PKCS#12
// key bag or OpenSSL's gost89 cipher.
func ExampleNewCFBDecrypter() {
	key := make([]byte, magma.KeySize)
	iv := make([]byte, magma.BlockSize)
	c, err := magma.NewCipher(key, &magma.SBoxZ)
	if err != nil {
		panic(err)
	}
	defer c.Wipe()
	enc, _ := magma.NewCFBEncrypter(c, iv, magma.CryptoProMeshing)
	dec, _ := magma.NewCFBDecrypter(c, iv, magma.CryptoProMeshing)
	msg := []byte("Пароль для PFX")
	ct := make([]byte, len(msg))
	enc.XORKeyStream(ct, msg)
	pt := make([]byte, len(ct))
	dec.XORKeyStream(pt, ct)
	fmt.Println(string(pt))
	// Output: Пароль для PFX
}
