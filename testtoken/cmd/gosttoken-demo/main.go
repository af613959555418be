// Command gosttoken-demo provisions the demo tokens of the Zavera GOST
// test token: a demo CA (GOST 2012-512) and two tokens, a fictitious
// company's leader and its accountant, each holding a GOST 2012-256 key
// pair generated on the token and the certificate the demo CA issued for
// it.
//
//	gosttoken-demo -dir DIR [-module build/libgosttoken.so]
//
// Then point the module at DIR with GOSTTOKEN_DIR=DIR. The PINs are
// printed; they are demo values.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/miekg/pkcs11"

	"github.com/zavera/zavera/testtoken"
)

func main() {
	dir := flag.String("dir", "", "storage directory for the demo tokens (must not hold tokens yet)")
	module := flag.String("module", "build/libgosttoken.so", "the GOST test token module")
	engine := flag.String("engine", "/usr/lib/x86_64-linux-gnu/engines-3/gost.so", "OpenSSL's GOST engine")
	flag.Parse()
	if *dir == "" || flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*dir, *module, *engine); err != nil {
		fmt.Fprintln(os.Stderr, "gosttoken-demo:", err)
		os.Exit(1)
	}
}

func run(dir, module, engine string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(abs, "leader.token")); err == nil {
		return errors.New(abs + " already holds demo tokens; use an empty directory")
	}
	d, err := testtoken.DemoIdentity(abs)
	if err != nil {
		return err
	}
	if err := testtoken.WriteDemoConfig(abs, engine); err != nil {
		return err
	}
	if err := os.Setenv("GOSTTOKEN_DIR", abs); err != nil {
		return err
	}
	p := pkcs11.New(module)
	if p == nil {
		return errors.New("cannot load " + module + " (run make testtoken)")
	}
	defer p.Destroy()
	if err := p.Initialize(); err != nil {
		return fmt.Errorf("C_Initialize: %w", err)
	}
	defer p.Finalize()
	if err := testtoken.ProvisionDemo(p, d); err != nil {
		return err
	}
	fmt.Printf("Demo tokens in %s (GOSTTOKEN_DIR=%s)\n", abs, abs)
	fmt.Printf("  company  %s, INNLE %s, OGRN %s\n", d.Company, d.INNLE, d.OGRN)
	for _, who := range []testtoken.Person{d.Leader, d.Accountant} {
		fmt.Printf("  slot %d   %q: %s %s, %s, INN %s, SNILS %s, certificate %s\n",
			who.Slot, who.Token, who.Surname, who.GivenName, who.Title, who.INN, who.SNILS, who.CertFile)
	}
	fmt.Printf("  demo CA  %s\n  user PIN %s, SO PIN %s\n", d.CACert, testtoken.DemoUserPIN, testtoken.DemoSOPIN)
	return nil
}
