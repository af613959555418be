package kdf_test

import (
	"fmt"

	"github.com/zavera/zavera/gost/kdf"
)

// The first RFC 9337 / R 50.1.111-2016 example, cut to 32 bytes.
func ExamplePBKDF2() {
	key, err := kdf.PBKDF2([]byte("password"), []byte("salt"), 1, 32)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%x\n", key)
	// Output: 64770af7f748c3b1c9ac831dbcfd85c26111b30a8a657ddc3056b80ca73e040d
}
