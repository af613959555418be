package xmldsig

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/internal/osslref"
)

// signer is a GOST key and certificate made by OpenSSL with the GOST
// engine, with the files OpenSSL verifies with.
type signer struct {
	key    *gost.PrivateKey
	cert   *cert.Certificate
	pubPEM string
	bits   int
}

func newSigner(t *testing.T, bits int) *signer {
	t.Helper()
	osslref.Require(t)
	dir := t.TempDir()
	alg, md, paramset := "gost2012_256", "-md_gost12_256", "A"
	if bits == 512 {
		alg, md = "gost2012_512", "-md_gost12_512"
	}
	keyPath, crtPath, pubPath := filepath.Join(dir, "k.pem"), filepath.Join(dir, "c.pem"), filepath.Join(dir, "pub.pem")
	osslref.Run(t, nil, "genpkey", "-algorithm", alg, "-pkeyopt", "paramset:"+paramset, "-out", keyPath)
	osslref.Run(t, nil, "req", "-new", "-x509", "-key", keyPath, md, "-days", "2", "-utf8", "-subj", "/CN=Подписант XML", "-out", crtPath)
	osslref.Run(t, nil, "pkey", "-in", keyPath, "-pubout", "-out", pubPath)
	der := osslref.Run(t, nil, "x509", "-in", crtPath, "-outform", "DER")
	c, err := cert.Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	k, err := gost.ParsePKCS8PrivateKey(osslref.Run(t, nil, "pkey", "-in", keyPath, "-outform", "DER"))
	if err != nil {
		t.Fatal(err)
	}
	return &signer{key: k, cert: c, pubPEM: pubPath, bits: bits}
}

func (s *signer) sign(t *testing.T, src []byte, o Options) []byte {
	t.Helper()
	o.Certificate = s.cert
	p, err := Prepare(src, o)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := s.key.Sign(rand.Reader, p.Digest, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Finish(sig)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const smevLike = `<?xml version="1.0" encoding="UTF-8"?>
<ns1:SendRequestRequest xmlns:ns1="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3" xmlns:unused="urn://unused">
  <ns1:SenderProvidedRequestData Id="SIGNED_BY_CONSUMER">
    <ns1:MessageID>db0486d0-3c08-11e5-95e2-d4c9eff07b77</ns1:MessageID>
    <ns2:MessagePrimaryContent xmlns:ns2="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3">
      <Запрос xmlns="urn://example/zapros" номер="17">Сведения &amp; справка &lt;о&gt; доходах</Запрос>
    </ns2:MessagePrimaryContent>
  </ns1:SenderProvidedRequestData>
</ns1:SendRequestRequest>
`

// cutElement cuts the first element named name (with its prefix) out of
// doc as text.
func cutElement(t *testing.T, doc, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<` + name + `[ >].*?</` + name + `>`).FindString(doc)
	if m == "" {
		t.Fatalf("no %s in %s", name, doc)
	}
	return m
}

func textOf(t *testing.T, doc, name string) []byte {
	t.Helper()
	inner := regexp.MustCompile(`(?s)<` + name + `>(.*?)</` + name + `>`).FindStringSubmatch(doc)
	if inner == nil {
		t.Fatalf("no %s", name)
	}
	b, err := base64.StdEncoding.DecodeString(inner[1])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// opensslCheck verifies a signature made here with code written
// elsewhere: libxml2's canonicalization (xmllint) of the document
// without its Signature and of SignedInfo, the GOST engine's Streebog
// and GOST R 34.10-2012 verification (openssl dgst).
func opensslCheck(t *testing.T, s *signer, signed []byte, pre string, referenced func(string) string) {
	t.Helper()
	doc := string(signed)
	md := "-md_gost12_256"
	if s.bits == 512 {
		md = "-md_gost12_512"
	}
	dir := t.TempDir()
	// The reference: the node set, canonicalized by libxml2, hashed by OpenSSL.
	canon := xmllint(t, []byte(referenced(doc)), "--exc-c14n")
	digest := osslref.Run(t, canon, "dgst", md, "-binary")
	if want := textOf(t, doc, pre+"DigestValue"); !bytes.Equal(digest, want) {
		t.Fatalf("DigestValue %x, OpenSSL over libxml2's canonical form %x\n%s", want, digest, canon)
	}
	// SignedInfo, in its own document with the namespace it inherits;
	// exclusive canonicalization renders only what it uses, so its
	// canonical form is the same as in place.
	si := cutElement(t, doc, pre+"SignedInfo")
	nsDecl := ` xmlns="` + Namespace + `"`
	if pre != "" {
		nsDecl = ` xmlns:` + strings.TrimSuffix(pre, ":") + `="` + Namespace + `"`
	}
	si = strings.Replace(si, "<"+pre+"SignedInfo", "<"+pre+"SignedInfo"+nsDecl, 1)
	siCanon := xmllint(t, []byte(si), "--exc-c14n")
	sigPath, dataPath := filepath.Join(dir, "sig"), filepath.Join(dir, "si")
	os.WriteFile(sigPath, textOf(t, doc, pre+"SignatureValue"), 0o600)
	os.WriteFile(dataPath, siCanon, 0o600)
	if out, errOut, err := osslref.Try(t, nil, "dgst", md, "-verify", s.pubPEM, "-signature", sigPath, dataPath); err != nil {
		t.Fatalf("openssl dgst -verify: %v: %s %s", err, out, errOut)
	}
	if !bytes.Equal(textOf(t, doc, pre+"X509Certificate"), s.cert.Raw) {
		t.Fatal("X509Certificate is not the signer's")
	}
}

func withoutSignature(doc string) string {
	return regexp.MustCompile(`(?s)<Signature xmlns=.*</Signature>`).ReplaceAllString(doc, "")
}

func TestEnvelopedInteropWithOpenSSLAndLibxml2(t *testing.T) {
	for _, bits := range []int{256, 512} {
		s := newSigner(t, bits)
		for _, src := range []string{smevLike, `<a/>`, `<r xmlns="urn:x"><b>1</b></r>`} {
			signed := s.sign(t, []byte(src), Options{Type: Enveloped})
			if !strings.HasPrefix(string(signed), strings.TrimSpace(src)[:2]) {
				t.Fatalf("the document's start changed: %s", signed)
			}
			opensslCheck(t, s, signed, "", withoutSignature)
			checkVerifies(t, s, signed)
		}
	}
}

func TestEnvelopingInteropWithOpenSSLAndLibxml2(t *testing.T) {
	s := newSigner(t, 256)
	signed := s.sign(t, []byte(smevLike), Options{Type: Enveloping})
	if !strings.HasPrefix(string(signed), `<ds:Signature xmlns:ds="`+Namespace+`">`) {
		t.Fatalf("not an enveloping signature: %s", signed)
	}
	// The referenced Object's content, in a document of its own: it
	// inherits only the ds prefix, which it does not use.
	opensslCheck(t, s, signed, "ds:", func(doc string) string {
		obj := cutElement(t, doc, "ds:Object")
		return strings.Replace(obj, "<ds:Object", `<ds:Object xmlns:ds="`+Namespace+`"`, 1)
	})
	checkVerifies(t, s, signed)
}

func TestTemplateFillsTheDocumentsSignature(t *testing.T) {
	s := newSigner(t, 256)
	tmpl := `<doc xmlns:ds="` + Namespace + `"><data Id="d1">Счёт № 5</data><ds:Signature><ds:SignedInfo>` +
		`<ds:CanonicalizationMethod Algorithm="` + ExcC14N10 + `"/><ds:SignatureMethod Algorithm="` + SignatureGOST2012_256 + `"/>` +
		`<ds:Reference URI="#d1"><ds:Transforms><ds:Transform Algorithm="` + ExcC14N10 + `"/></ds:Transforms>` +
		`<ds:DigestMethod Algorithm="` + DigestGOST2012_256 + `"/><ds:DigestValue/></ds:Reference></ds:SignedInfo>` +
		`<ds:SignatureValue/></ds:Signature></doc>`
	signed := s.sign(t, []byte(tmpl), Options{Type: Template})
	opensslCheck(t, s, signed, "ds:", func(doc string) string { return cutElement(t, doc, "data") })
	checkVerifies(t, s, signed)
	// A template for another key size is refused.
	big := newSigner(t, 512)
	if _, err := Prepare([]byte(tmpl), Options{Type: Template, Certificate: big.cert}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("a 256-bit template with a 512-bit key: %v", err)
	}
}

func checkVerifies(t *testing.T, s *signer, signed []byte) {
	t.Helper()
	res, err := Verify(signed)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Err != nil || !bytes.Equal(res[0].Certificate.Raw, s.cert.Raw) {
		t.Fatalf("Verify: %+v", res)
	}
	// Any change to the signed text, or to SignedInfo, is caught. The
	// markers changed occur only in the documents' own text.
	doc := string(signed)
	for _, c := range []struct{ from, to string }{{`номер="17"`, `номер="71"`}, {"Сведения", "Сведенья"}, {"Счёт", "Счет"}, {"<b>1", "<b>2"}, {"<a>", "<a x=\"1\">"}} {
		if !strings.Contains(doc, c.from) {
			continue
		}
		bad := strings.Replace(doc, c.from, c.to, 1)
		res, err := Verify([]byte(bad))
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(res[0].Err, ErrDigestMismatch) {
			t.Fatalf("changed %q: %v", c.from, res[0].Err)
		}
	}
	bad := strings.Replace(doc, ExcC14N10+`"/><`, C14N10+`"/><`, 1)
	if res, _ := Verify([]byte(bad)); res == nil || res[0].Err == nil {
		t.Fatal("a changed SignedInfo verified")
	}
}

func TestRefusals(t *testing.T) {
	s := newSigner(t, 256)
	for name, src := range map[string]string{
		"doctype":        `<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`,
		"two roots":      `<a/><b/>`,
		"unbound prefix": `<p:a/>`,
		"mismatched":     `<a></b>`,
		"tab in attr":    "<a x=\"1\t2\"/>",
	} {
		if _, err := Prepare([]byte(src), Options{Certificate: s.cert}); err == nil {
			t.Errorf("%s: signed", name)
		}
	}
	if _, err := Prepare([]byte(`<a/>`), Options{Certificate: s.cert, SignatureMethod: SignatureGOST2012_512}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("a 512-bit method for a 256-bit key: %v", err)
	}
	if _, err := Verify([]byte(`<a/>`)); !errors.Is(err, ErrNoSignature) {
		t.Errorf("no signature: %v", err)
	}
}
