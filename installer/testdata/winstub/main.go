// Command winstub stands in for zavera.exe when the tests build the
// Windows installer: it is quick to cross-compile.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("zavera test stub", os.Args[1:])
}
