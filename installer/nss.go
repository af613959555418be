package installer

import (
	"bytes"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"sort"
)

// NSSDatabase is an NSS certificate database of a browser: a Firefox
// profile, or ~/.pki/nssdb that Chromium and Chrome read on Linux.
type NSSDatabase struct {
	Dir     string `json:"dir"`
	Browser string `json:"browser"` // "firefox" or "chromium"
}

// firefoxProfileRoots are where Firefox keeps profiles under a home:
// the usual folder, the snap and the flatpak.
var firefoxProfileRoots = [][]string{
	{".mozilla", "firefox"},
	{"snap", "firefox", "common", ".mozilla", "firefox"},
	{".var", "app", "org.mozilla.firefox", ".mozilla", "firefox"},
}

// NSSDatabases lists the NSS databases under home: every Firefox profile
// that has a cert9.db, and ~/.pki/nssdb if it exists.
func NSSDatabases(home string) []NSSDatabase {
	var dbs []NSSDatabase
	for _, parts := range firefoxProfileRoots {
		matches, _ := filepath.Glob(filepath.Join(append([]string{home}, append(parts, "*", "cert9.db")...)...))
		sort.Strings(matches)
		for _, m := range matches {
			dbs = append(dbs, NSSDatabase{Dir: filepath.Dir(m), Browser: "firefox"})
		}
	}
	if fileExists(filepath.Join(home, ".pki", "nssdb", "cert9.db")) {
		dbs = append(dbs, NSSDatabase{Dir: filepath.Join(home, ".pki", "nssdb"), Browser: "chromium"})
	}
	return dbs
}

func (db NSSDatabase) arg() string { return "sql:" + db.Dir }

// createChromiumDB makes an empty ~/.pki/nssdb, owned like home, for
// Chromium and Chrome to find when they first start.
func createChromiumDB(home string) (NSSDatabase, error) {
	db := NSSDatabase{Dir: filepath.Join(home, ".pki", "nssdb"), Browser: "chromium"}
	owner := ownerOf(home)
	for _, d := range []string{filepath.Join(home, ".pki"), db.Dir} {
		if err := os.Mkdir(d, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			return db, err
		}
		if err := owner.chown(d); err != nil {
			return db, err
		}
	}
	if _, err := runTool(owner, "certutil", "-N", "-d", db.arg(), "--empty-password"); err != nil {
		return db, err
	}
	return db, nil
}

// Has reports whether the database holds caPEM under Zavera's nickname.
func (db NSSDatabase) Has(caPEM []byte) bool {
	out, err := runTool(ownerOf(db.Dir), "certutil", "-L", "-d", db.arg(), "-n", Nickname, "-a")
	if err != nil {
		return false
	}
	want, _ := pem.Decode(caPEM)
	if want == nil {
		return false
	}
	rest := []byte(out)
	for {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return false
		}
		if bytes.Equal(b.Bytes, want.Bytes) {
			return true
		}
	}
}

// add trusts caPEM for TLS servers in the database, replacing an older
// Zavera CA.
func (db NSSDatabase) add(caPEM []byte) error {
	if db.Has(caPEM) {
		return nil
	}
	db.remove()
	tmp, err := os.CreateTemp("", "zavera-ca-*.pem")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(caPEM); err != nil {
		tmp.Close()
		return err
	}
	tmp.Close()
	os.Chmod(tmp.Name(), 0o644)
	_, err = runTool(ownerOf(db.Dir), "certutil", "-A", "-d", db.arg(), "-n", Nickname, "-t", "C,,", "-a", "-i", tmp.Name())
	return err
}

// remove deletes every certificate under Zavera's nickname; it reports
// how many there were.
func (db NSSDatabase) remove() int {
	n := 0
	for n < 16 {
		if _, err := runTool(ownerOf(db.Dir), "certutil", "-D", "-d", db.arg(), "-n", Nickname); err != nil {
			break
		}
		n++
	}
	return n
}

// installNSS trusts the CA in every NSS database under home; create
// makes ~/.pki/nssdb when it is missing.
func (o *Options) installNSS(home string, caPEM []byte, create bool) []error {
	dbs := NSSDatabases(home)
	if create && !fileExists(filepath.Join(home, ".pki", "nssdb", "cert9.db")) {
		if _, err := findTool("certutil"); err != nil {
			return []error{&StepError{Step: "NSS databases", Path: home, Err: err}}
		}
		db, err := createChromiumDB(home)
		if err != nil {
			return []error{&StepError{Step: "NSS database", Path: db.Dir, Err: err}}
		}
		dbs = append(dbs, db)
	}
	var errs []error
	for _, db := range dbs {
		if err := db.add(caPEM); err != nil {
			errs = append(errs, &StepError{Step: "NSS database", Path: db.Dir, Err: err})
			continue
		}
		o.logf("NSS database (%s): CA trusted in %s", db.Browser, db.Dir)
	}
	return errs
}

// uninstallNSS removes the CA from every NSS database under home.
func (o *Options) uninstallNSS(home string) {
	if _, err := findTool("certutil"); err != nil {
		return
	}
	for _, db := range NSSDatabases(home) {
		if db.remove() > 0 {
			o.logf("NSS database (%s): CA removed from %s", db.Browser, db.Dir)
		}
	}
}
