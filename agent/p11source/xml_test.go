package p11source_test

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zavera/zavera/internal/osslref"
)

// An XML signature made by the agent on the GOST test token, checked by
// code written elsewhere: libxml2 (xmllint) canonicalizes the document
// without its signature and the SignedInfo, OpenSSL's GOST engine hashes
// the first and verifies the signature over the second with the public
// key of the certificate the signature carries.
func TestSignXMLOnRealToken(t *testing.T) {
	ct := newChainToken(t)
	src := `<?xml version="1.0" encoding="UTF-8"?>
<req:Request xmlns:req="urn://example/request" xmlns:unused="urn://unused"><req:Data Id="d">Сведения о доходах &amp; налогах</req:Data></req:Request>`
	var r struct{ XML, Digest []byte }
	ct.p.must("signXML", map[string]any{"certificate": ct.id, "description": "Запрос", "xml": []byte(src)}, &r)
	doc := string(r.XML)

	dir := t.TempDir()
	certDER := filepath.Join(dir, "c.der")
	os.WriteFile(certDER, b64Of(t, doc, "X509Certificate"), 0o600)
	if !bytes.Equal(b64Of(t, doc, "X509Certificate"), ct.leaf.CertDER) {
		t.Fatal("KeyInfo does not carry the signer's certificate")
	}
	pub := filepath.Join(dir, "pub.pem")
	osslref.Run(t, nil, "x509", "-inform", "DER", "-in", certDER, "-pubkey", "-noout", "-out", pub)

	unsigned := regexp.MustCompile(`(?s)<Signature xmlns=.*</Signature>`).ReplaceAllString(doc, "")
	digest := osslref.Run(t, libxml2C14N(t, unsigned), "dgst", "-md_gost12_256", "-binary")
	if !bytes.Equal(digest, b64Of(t, doc, "DigestValue")) || !bytes.Equal(digest, r.Digest) {
		t.Fatal("DigestValue is not OpenSSL's digest of libxml2's canonical form of the document")
	}
	si := regexp.MustCompile(`(?s)<SignedInfo>.*</SignedInfo>`).FindString(doc)
	si = strings.Replace(si, "<SignedInfo>", `<SignedInfo xmlns="http://www.w3.org/2000/09/xmldsig#">`, 1)
	siFile, sigFile := filepath.Join(dir, "si"), filepath.Join(dir, "sig")
	os.WriteFile(siFile, libxml2C14N(t, si), 0o600)
	os.WriteFile(sigFile, b64Of(t, doc, "SignatureValue"), 0o600)
	if out, errOut, err := osslref.Try(t, nil, "dgst", "-md_gost12_256", "-verify", pub, "-signature", sigFile, siFile); err != nil {
		t.Fatalf("OpenSSL does not verify the token's XML signature: %v %s %s", err, out, errOut)
	}
}

func b64Of(t *testing.T, doc, name string) []byte {
	t.Helper()
	m := regexp.MustCompile(`<` + name + `>([^<]*)</` + name + `>`).FindStringSubmatch(doc)
	if m == nil {
		t.Fatalf("no %s in %s", name, doc)
	}
	b, err := base64.StdEncoding.DecodeString(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// libxml2C14N is xmllint's exclusive canonical form of doc.
func libxml2C14N(t *testing.T, doc string) []byte {
	t.Helper()
	cmd := exec.Command("xmllint", "--exc-c14n", "-")
	cmd.Stdin = strings.NewReader(doc)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("xmllint: %v: %s (install libxml2-utils)", err, errOut.String())
	}
	return out.Bytes()
}
