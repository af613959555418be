package login_test

import (
	"fmt"

	"github.com/zavera/zavera/login"
)

// A portal's server rebuilds the bytes of a login from its own origin and
// the nonce it issued; login.Verify does so itself.
func ExampleContent() {
	nonce := []byte{0xde, 0xad, 0xbe, 0xef, 0xca, 0xfe, 0xba, 0xbe, 0xde, 0xad, 0xbe, 0xef, 0xca, 0xfe, 0xba, 0xbe}
	fmt.Printf("%q\n", login.Content("https://esia.gosuslugi.ru", nonce))
	// Output: "zavera-login-v1\norigin=https://esia.gosuslugi.ru\nnonce=3q2-78r-ur7erb7vyv66vg\n"
}
