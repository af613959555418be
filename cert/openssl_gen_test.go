package cert

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/ruid"
)

// opensslPKI is a CA with a GOST 2012-512 key and certificates it issued
// with 256-bit keys, all made by OpenSSL with the GOST engine.
type opensslPKI struct {
	dir                string
	ca, leader, trader []byte // DER
}

const (
	leaderSubject = `/C=RU/ST=77 г. Москва/L=г. Москва/street=ул. Тверская, д. 1/O=ООО "Ромашка"/title=Генеральный директор/CN=Иванов Иван Иванович/SN=Иванов/GN=Иван Иванович/INN=770712345633/SNILS=11223344595/OGRN=1027700132195/INNLE=7707083893`
	traderSubject = `/C=RU/CN=ИП Петров Пётр Петрович/SN=Петров/GN=Пётр Петрович/emailAddress=petrov@example.ru/INN=770712345633/OGRNIP=304500116000157/SNILS=11223344595`
	signTool      = `СКЗИ «КриптоПро CSP» (версия 5.0)`
)

var issuerTools = []string{`СКЗИ «КриптоПро CSP» (версия 4.0)`, `ПАК «Удостоверяющий центр»`, `Сертификат соответствия № СФ/124-1`, `Сертификат соответствия № СФ/128-2`}

func makeOpenSSLPKI(t *testing.T) opensslPKI {
	t.Helper()
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	run := func(args ...string) { osslref.Run(t, nil, args...) }
	write := func(name, text string) {
		if err := os.WriteFile(p(name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	run("genpkey", "-algorithm", "gost2012_512", "-pkeyopt", "paramset:A", "-out", p("ca.key"))
	run("req", "-new", "-x509", "-utf8", "-key", p("ca.key"), "-md_gost12_512", "-days", "3650",
		"-subj", `/C=RU/O=Тестовый УЦ/CN=Тестовый УЦ ГОСТ 2012-512/OGRN=1027700132195/INNLE=7707083893`,
		"-addext", "basicConstraints=critical,CA:TRUE,pathlen:0",
		"-addext", "keyUsage=critical,keyCertSign,cRLSign",
		"-addext", "subjectKeyIdentifier=hash",
		"-set_serial", "0x0100", "-outform", "DER", "-out", p("ca.der"))

	write("ext.cnf", `[leader]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = clientAuth,emailProtection
certificatePolicies = 1.2.643.100.113.1,1.2.643.100.113.2
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
1.2.643.100.111 = ASN1:FORMAT:UTF8,UTF8String:`+signTool+`
1.2.643.100.112 = ASN1:SEQUENCE:issuer_tools
[issuer_tools]
signTool = FORMAT:UTF8,UTF8String:`+issuerTools[0]+`
cATool = FORMAT:UTF8,UTF8String:`+issuerTools[1]+`
signToolCert = FORMAT:UTF8,UTF8String:`+issuerTools[2]+`
cAToolCert = FORMAT:UTF8,UTF8String:`+issuerTools[3]+`
[plain]
keyUsage = critical,digitalSignature
`)
	issue := func(name, subj, paramset, section, serial string) []byte {
		run("genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:"+paramset, "-out", p(name+".key"))
		run("req", "-new", "-utf8", "-key", p(name+".key"), "-subj", subj, "-out", p(name+".csr"))
		run("x509", "-req", "-in", p(name+".csr"), "-CA", p("ca.der"), "-CAform", "DER", "-CAkey", p("ca.key"),
			"-md_gost12_512", "-days", "365", "-set_serial", serial, "-extfile", p("ext.cnf"), "-extensions", section,
			"-outform", "DER", "-out", p(name+".der"))
		der, err := os.ReadFile(p(name + ".der"))
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	pki := opensslPKI{dir: dir}
	pki.leader = issue("leader", leaderSubject, "TCA", "leader", "0x7E57AB1E0001")
	pki.trader = issue("trader", traderSubject, "XA", "plain", "0x02")
	var err error
	if pki.ca, err = os.ReadFile(p("ca.der")); err != nil {
		t.Fatal(err)
	}
	return pki
}

func TestOpenSSLGeneratedGOST(t *testing.T) {
	pki := makeOpenSSLPKI(t)
	ca, err := Parse(pki.ca)
	if err != nil {
		t.Fatal(err)
	}
	leader, err := Parse(pki.leader)
	if err != nil {
		t.Fatal(err)
	}
	trader, err := Parse(pki.trader)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*Certificate{ca, leader, trader} {
		compareWithOpenSSL(t, c, opensslText(t, c.Raw))
	}

	// The CA.
	if ca.KeyAlgorithm != KeyGOST2012_512 || ca.KeyBits != 512 || !ca.KeyParamSet.Equal(asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 2, 1}) {
		t.Errorf("CA key %v %d %s", ca.KeyAlgorithm, ca.KeyBits, ca.KeyParamSet)
	}
	if !ca.IsCA || ca.MaxPathLen != 0 || ca.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
		t.Errorf("CA constraints: CA %v pathlen %d usage %b", ca.IsCA, ca.MaxPathLen, ca.KeyUsage)
	}
	if ca.Subject.OrganizationINN() != "7707083893" || ca.Subject.OGRN != "1027700132195" || ca.Qualified() {
		t.Errorf("CA subject %+v, qualified %v", ca.Subject, ca.Qualified())
	}
	if err := ca.CheckSignatureFrom(ca); err != nil {
		t.Errorf("CA self-signature (GOST 2012-512): %v", err)
	}

	// The leader of an organisation.
	s := leader.Subject
	want := map[string]string{
		"CN": "Иванов Иван Иванович", "SN": "Иванов", "GN": "Иван Иванович", "T": "Генеральный директор",
		"O": `ООО "Ромашка"`, "C": "RU", "ST": "77 г. Москва", "L": "г. Москва", "STREET": "ул. Тверская, д. 1",
		"INN": "770712345633", "SNILS": "11223344595", "OGRN": "1027700132195", "INNLE": "7707083893",
	}
	got := map[string]string{
		"CN": s.CommonName, "SN": s.Surname, "GN": s.GivenName, "T": s.Title, "O": s.Organization, "C": s.Country,
		"ST": s.Province, "L": s.Locality, "STREET": s.Street, "INN": s.INN, "SNILS": s.SNILS, "OGRN": s.OGRN, "INNLE": s.INNLE,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("leader %s = %q, want %q", k, got[k], v)
		}
	}
	if s.PersonINN() != "770712345633" || s.OrganizationINN() != "7707083893" {
		t.Errorf("person INN %q, organisation INN %q", s.PersonINN(), s.OrganizationINN())
	}
	for _, check := range []error{ruid.ValidatePersonINN(s.INN), ruid.ValidateSNILS(s.SNILS), ruid.ValidateOGRN(s.OGRN), ruid.ValidateINNLE(s.INNLE)} {
		if check != nil {
			t.Error(check)
		}
	}
	if leader.SerialNumber.Text(16) != "7e57ab1e0001" || leader.Version != 3 {
		t.Errorf("serial %x version %d", leader.SerialNumber, leader.Version)
	}
	if leader.KeyAlgorithm != KeyGOST2012_256 || leader.KeyParamSetName != "id-tc26-gost-3410-12-256-paramSetA" || leader.KeyString() != "GOST R 34.10-2012 256" {
		t.Errorf("leader key %v %q %q", leader.KeyAlgorithm, leader.KeyParamSetName, leader.KeyString())
	}
	if pub, ok := leader.PublicKey.(*gost.PublicKey); !ok || pub.Curve().Size() != 32 {
		t.Errorf("leader public key %T", leader.PublicKey)
	}
	if !leader.SignatureAlgorithm.Equal(oidSigGOST2012_512) {
		t.Errorf("leader signature algorithm %s", leader.SignatureAlgorithm)
	}
	if leader.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment || leader.IsCA || !leader.BasicConstraintsValid {
		t.Errorf("leader usage %b CA %v", leader.KeyUsage, leader.IsCA)
	}
	if !slices.EqualFunc(leader.Policies, []asn1.ObjectIdentifier{OIDPolicyKC1, OIDPolicyKC2}, asn1.ObjectIdentifier.Equal) {
		t.Errorf("policies %v", leader.Policies)
	}
	if leader.SubjectSignTool != signTool || !slices.Equal(leader.IssuerSignTool, issuerTools) {
		t.Errorf("sign tools %q %q", leader.SubjectSignTool, leader.IssuerSignTool)
	}
	if !leader.Qualified() {
		t.Error("leader certificate does not look qualified")
	}
	if string(leader.AuthorityKeyID) != string(ca.SubjectKeyID) || leader.AuthorityKeyID == nil {
		t.Errorf("AKI %x, CA SKI %x", leader.AuthorityKeyID, ca.SubjectKeyID)
	}

	// The individual entrepreneur: OGRNIP, e-mail, SNILS.
	ts := trader.Subject
	if ts.OGRNIP != "304500116000157" || ts.Email != "petrov@example.ru" || ts.SNILS != "11223344595" || ts.PersonINN() != "770712345633" {
		t.Errorf("trader subject %+v", ts)
	}
	if trader.KeyParamSetName != "id-GostR3410-2001-CryptoPro-XchA-ParamSet" || trader.Qualified() {
		t.Errorf("trader %q qualified %v", trader.KeyParamSetName, trader.Qualified())
	}

	// Chains.
	at := leader.NotBefore.Add(time.Hour)
	chain, err := VerifyChain(leader, nil, []*Certificate{ca}, at)
	if err != nil || len(chain) != 2 {
		t.Fatalf("leader chain: %v %v", chain, err)
	}
	if _, err := (VerifyOptions{Roots: []*Certificate{ca}, At: at, KeyUsage: x509.KeyUsageContentCommitment}).Verify(leader); err != nil {
		t.Errorf("leader for non-repudiation: %v", err)
	}
	if _, err := (VerifyOptions{Roots: []*Certificate{ca}, At: at, KeyUsage: x509.KeyUsageKeyEncipherment}).Verify(trader); !errors.Is(err, ErrKeyUsage) {
		t.Errorf("trader for key encipherment: %v, want ErrKeyUsage", err)
	}
	if _, err := VerifyChain(trader, nil, []*Certificate{ca}, at); err != nil {
		t.Errorf("trader chain: %v", err)
	}
	if _, err := VerifyChain(leader, nil, []*Certificate{ca}, leader.NotAfter.Add(time.Minute)); !errors.Is(err, ErrExpired) {
		t.Errorf("after expiry: %v", err)
	}
	// The leader's key cannot issue: no CA.
	if _, err := VerifyChain(trader, []*Certificate{leader}, []*Certificate{ca}, at); err != nil {
		t.Errorf("unused intermediate: %v", err)
	}
	// A certificate that claims the leader as issuer.
	forged := *trader
	forged.RawIssuer = leader.RawSubject
	forged.Issuer = leader.Subject
	forged.AuthorityKeyID = nil
	if _, err := VerifyChain(&forged, []*Certificate{leader}, []*Certificate{ca}, at); !errors.Is(err, ErrNotCA) {
		t.Errorf("leader as issuer: %v, want ErrNotCA", err)
	}
	// The leader's certificate signed by a different key.
	tampered := *leader
	tampered.RawTBSCertificate = append([]byte(nil), leader.RawTBSCertificate...)
	tampered.RawTBSCertificate[len(tampered.RawTBSCertificate)-5] ^= 1
	if _, err := VerifyChain(&tampered, nil, []*Certificate{ca}, at); !errors.Is(err, ErrBadSignature) {
		t.Errorf("tampered TBS: %v, want ErrBadSignature", err)
	}
}
