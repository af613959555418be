package softtoken

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/internal/osslref"
)

// makeKey makes a key and a self-signed certificate with openssl.
func makeKey(t *testing.T, dir, name string, genpkey ...string) (keyFile, certFile string) {
	t.Helper()
	keyFile, certFile = filepath.Join(dir, name+".key"), filepath.Join(dir, name+".pem")
	osslref.Run(t, nil, append(append([]string{"genpkey"}, genpkey...), "-out", keyFile)...)
	osslref.Run(t, nil, "req", "-new", "-x509", "-key", keyFile, "-days", "30", "-subj", "/CN="+name, "-out", certFile)
	return keyFile, certFile
}

func TestLoadAndSign(t *testing.T) {
	dir := t.TempDir()
	for _, k := range []struct {
		name string
		args []string
	}{
		{"gost256", []string{"-algorithm", "gost2012_256", "-pkeyopt", "paramset:TCB"}},
		{"gost512", []string{"-algorithm", "gost2012_512", "-pkeyopt", "paramset:A"}},
		{"p256", []string{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"}},
	} {
		t.Run(k.name, func(t *testing.T) {
			keyFile, certFile := makeKey(t, dir, k.name, k.args...)
			s, err := Load(keyFile, certFile)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			certs, _ := s.Certificates(ctx)
			toks, _ := s.Tokens(ctx)
			if len(certs) != 1 || len(toks) != 1 || certs[0].TokenID != toks[0].ID || len(certs[0].ID) != 40 {
				t.Fatalf("certs %+v tokens %+v", certs, toks)
			}
			key, err := s.OpenKey(ctx, certs[0].ID, func(context.Context, agent.Token) (*agent.PIN, error) {
				t.Fatal("asked for a PIN")
				return nil, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			defer key.Close()
			doc := []byte("document")
			sig, err := cms.Sign(bytes.NewReader(doc), cms.Signer{Key: key, Certificate: certs[0].Cert}, nil)
			if err != nil {
				t.Fatal(err)
			}
			sigFile, docFile := filepath.Join(dir, k.name+".p7s"), filepath.Join(dir, "doc")
			os.WriteFile(sigFile, sig, 0o600)
			os.WriteFile(docFile, doc, 0o600)
			osslref.Run(t, nil, "cms", "-verify", "-binary", "-inform", "DER", "-in", sigFile, "-content", docFile,
				"-CAfile", certFile, "-purpose", "any", "-out", "/dev/null")
			if _, err := s.OpenKey(ctx, "other", nil); !errors.Is(err, agent.ErrCertificateNotFound) {
				t.Fatalf("unknown id: %v", err)
			}
		})
	}
	// A key that is not the certificate's.
	if _, err := Load(filepath.Join(dir, "gost256.key"), filepath.Join(dir, "p256.pem")); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("mismatch: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "p256.pem"), filepath.Join(dir, "p256.pem")); err == nil {
		t.Fatal("a certificate loaded as a key")
	}
}
