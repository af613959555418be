package main

import (
	"fmt"
	"os"
	"testing"

	"github.com/zavera/zavera/pkcs11"
)

// hostEnvVar makes the test binary a module host, so that tests load
// token drivers in a host process as the agent does.
const hostEnvVar = "ZAVERA_TEST_UI_PKCS11_HOST"

func TestMain(m *testing.M) {
	if os.Getenv(hostEnvVar) == "1" {
		if err := pkcs11.ServeHostStdio(os.Args[len(os.Args)-1]); err != nil {
			fmt.Fprintln(os.Stderr, "pkcs11 host:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}
