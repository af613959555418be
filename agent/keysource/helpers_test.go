package keysource_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zavera/zavera/agent/softtoken"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/keyfile/cpcontainer"
)

// vectorDir is the public CryptoPro CSP 5 container (no password).
const vectorDir = "../../../shared/keyfiles/cryptopro-container_csp5_gost2012-256-xcha_nopin.000"

// made is a container written for a test with a key and certificate that
// OpenSSL's GOST engine made.
type made struct {
	dir      string
	certPEM  string
	cert     *cert.Certificate
	key      *gost.PrivateKey
	password string
}

// makeContainer has OpenSSL make a GOST key (genpkey args) and its
// self-signed certificate, and writes them into a container.
func makeContainer(t *testing.T, name, password string, genpkey ...string) *made {
	t.Helper()
	osslref.Require(t)
	base := t.TempDir()
	keyFile, certFile := filepath.Join(base, name+".key"), filepath.Join(base, name+".pem")
	osslref.Run(t, nil, append(append([]string{"genpkey"}, genpkey...), "-out", keyFile)...)
	osslref.Run(t, nil, "req", "-new", "-x509", "-key", keyFile, "-days", "30", "-subj", "/CN="+name, "-out", certFile)
	data, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := softtoken.ParseKey(data)
	if err != nil {
		t.Fatal(err)
	}
	key := signer.(*gost.PrivateKey)
	pem, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	certs, err := cert.ParseAll(pem)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, name+".000")
	if err := cpcontainer.Create(dir, key, cpcontainer.CreateOptions{Name: name, Password: password, Certificate: certs[0].Raw}); err != nil {
		t.Fatal(err)
	}
	return &made{dir: dir, certPEM: certFile, cert: certs[0], key: key, password: password}
}
