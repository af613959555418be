package agent_test

import (
	"fmt"

	"github.com/zavera/zavera/agent"
)

// A portal's server rebuilds the bytes that signChallenge signed from its
// own origin and the nonce it issued, and verifies the detached signature
// over them with login.Verify, which also requires the login content type.
func ExampleChallengeContent() {
	nonce := []byte{0xde, 0xad, 0xbe, 0xef, 0xca, 0xfe, 0xba, 0xbe, 0xde, 0xad, 0xbe, 0xef, 0xca, 0xfe, 0xba, 0xbe}
	fmt.Printf("%q\n", agent.ChallengeContent("https://esia.gosuslugi.ru", nonce))
	// Output: "zavera-login-v1\norigin=https://esia.gosuslugi.ru\nnonce=3q2-78r-ur7erb7vyv66vg\n"
}

// Origins are compared in canonical form.
func ExampleParseOrigin() {
	o, err := agent.ParseOrigin("HTTPS://ESIA.Gosuslugi.ru:443")
	fmt.Println(o, err)
	_, err = agent.ParseOrigin("http://esia.gosuslugi.ru/login")
	fmt.Println(err)
	// Output:
	// https://esia.gosuslugi.ru <nil>
	// agent: origin not allowed: origin "http://esia.gosuslugi.ru/login" has more than scheme, host and port
}
