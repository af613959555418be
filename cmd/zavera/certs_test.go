package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/zavera/zavera/internal/osslref"
)

func TestCertsListsEveryTokenCertificate(t *testing.T) {
	l := newTokenLab(t, 10)
	code, out, errOut := tokenCmd(t, runCerts, append(l.modules(), "--json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var certs []tokenCertJSON
	if err := json.Unmarshal([]byte(out), &certs); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(certs) != 4 {
		t.Fatalf("%d certificates, want 4:\n%s", len(certs), out)
	}
	byID := map[string]tokenCertJSON{}
	for _, c := range certs {
		byID[c.ID] = c
	}
	for _, k := range []struct {
		der   []byte
		alg   string
		token string
	}{
		{l.ec.CertDER, "ECDSA P-256", labSoftToken},
		{l.rsa.CertDER, "RSA 2048", labSoftToken},
		{l.g256.CertDER, "GOST R 34.10-2012 256", labGOSTToken},
		{l.g512.CertDER, "GOST R 34.10-2012 512", labGOSTToken},
	} {
		// The ID is Streebog-256 of the DER, first 16 bytes, as OpenSSL
		// computes it.
		sum := strings.Fields(string(osslref.Run(t, k.der, "dgst", "-md_gost12_256", "-r")))[0]
		c, ok := byID[sum[:32]]
		if !ok {
			t.Fatalf("no certificate with ID %s", sum[:32])
		}
		if c.KeyAlgorithm != k.alg || c.Token.Label != k.token || c.INN != "770712345633" || c.OGRN != "1027700132195" ||
			c.Organization != "ООО Ромашка" || !c.ValidNow || c.PrivateKey != "after login" {
			t.Errorf("certificate %+v", c)
		}
		if strings.HasPrefix(k.alg, "GOST") && (c.INNLE != "7707083893" || c.SNILS != "11223344595" || c.Title != "Генеральный директор") {
			t.Errorf("GOST certificate identifiers %+v", c)
		}
	}

	code, out, errOut = tokenCmd(t, runCerts, l.modules()...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	row := func(label, value string) string { return fmt.Sprintf("  %-13s %s", label+":", value) }
	for _, want := range []string{"Certificate " + certs[0].ID, row("INNLE", "7707083893"), row("OGRN", "1027700132195"),
		row("Key", "GOST R 34.10-2012 512, private key after login"), row("Token", labGOSTToken)} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
