package main

import (
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/ruid"
)

const certUsage = `Usage: zavera cert [--json] FILE

Shows the certificates in FILE ("-": standard input), which may be PEM, DER,
bare base64 or URL-safe base64: owner, organisation, Russian identifiers
(with their check digits verified), issuer, validity, key, key usage,
policies, signing tools, whether it looks qualified, and thumbprints.

  --json   print a JSON array with one object per certificate.

Exit status: 0 shown, 2 bad usage or unreadable input.`

// maxCertFileSize bounds what `zavera cert` reads.
const maxCertFileSize = 16 << 20

// runCert implements `zavera cert [--json] FILE`.
func runCert(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	asJSON := false
	var files []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			files = append(files, args[i+1:]...)
			i = len(args)
		case a == "--json" || a == "-json":
			asJSON = true
		case a == "-h" || a == "--help" || a == "-help":
			fmt.Fprintln(stdout, certUsage)
			return 0
		case strings.HasPrefix(a, "-") && a != "-":
			fmt.Fprintf(stderr, "zavera cert: unknown option %q\n\n%s\n", a, certUsage)
			return 2
		default:
			files = append(files, a)
		}
	}
	if len(files) != 1 {
		fmt.Fprintf(stderr, "zavera cert: want exactly one FILE, got %d\n\n%s\n", len(files), certUsage)
		return 2
	}
	data, err := certReadFile(files[0], stdin)
	if err != nil {
		fmt.Fprintf(stderr, "zavera cert: %v\n", err)
		return 2
	}
	certs, err := cert.ParseAll(data)
	if err != nil {
		fmt.Fprintf(stderr, "zavera cert: %s: %v\n", files[0], err)
		return 2
	}
	if asJSON {
		out := make([]certJSON, len(certs))
		for i, c := range certs {
			out[i] = newCertJSON(c)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(stderr, "zavera cert: %v\n", err)
			return 2
		}
		return 0
	}
	for i, c := range certs {
		if len(certs) > 1 {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			fmt.Fprintf(stdout, "Certificate %d of %d\n", i+1, len(certs))
		}
		printCert(stdout, c, time.Now())
	}
	return 0
}

func certReadFile(name string, stdin io.Reader) ([]byte, error) {
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return nil, fmt.Errorf("%s: is a directory", name)
		}
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxCertFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > maxCertFileSize {
		return nil, fmt.Errorf("%s: larger than %d bytes, not a certificate file", name, maxCertFileSize)
	}
	return data, nil
}

// identifierCheck is the verdict of package ruid on one identifier.
type identifierCheck struct {
	Identifier string `json:"identifier"`
	Value      string `json:"value"`
	Valid      bool   `json:"valid"`
	Error      string `json:"error"`
}

// checkIdentifiers validates the Russian identifiers present in n.
func checkIdentifiers(n cert.Name) []identifierCheck {
	var out []identifierCheck
	add := func(id, v string, fn func(string) error) {
		if v == "" {
			return
		}
		c := identifierCheck{Identifier: id, Value: v, Valid: true}
		if err := fn(v); err != nil {
			c.Valid, c.Error = false, err.Error()
		}
		out = append(out, c)
	}
	add("INN", n.INN, ruid.ValidateINN)
	add("INNLE", n.INNLE, ruid.ValidateINNLE)
	add("OGRN", n.OGRN, ruid.ValidateOGRN)
	add("OGRNIP", n.OGRNIP, ruid.ValidateOGRNIP)
	add("SNILS", n.SNILS, ruid.ValidateSNILS)
	if out == nil {
		out = []identifierCheck{}
	}
	return out
}

// policyNames names the qualified-certificate policy classes.
var policyNames = map[string]string{
	"1.2.643.100.113.1": "KC1", "1.2.643.100.113.2": "KC2", "1.2.643.100.113.3": "KC3",
	"1.2.643.100.113.4": "KB1", "1.2.643.100.113.5": "KB2", "1.2.643.100.113.6": "KA1",
	"2.5.29.32.0": "anyPolicy",
}

// extKeyUsageNames names common extended key usages.
var extKeyUsageNames = map[string]string{
	"1.3.6.1.5.5.7.3.1": "serverAuth", "1.3.6.1.5.5.7.3.2": "clientAuth", "1.3.6.1.5.5.7.3.3": "codeSigning",
	"1.3.6.1.5.5.7.3.4": "emailProtection", "1.3.6.1.5.5.7.3.8": "timeStamping", "1.3.6.1.5.5.7.3.9": "OCSPSigning",
}

// signatureNames names signature algorithms.
var signatureNames = map[string]string{
	"1.2.643.7.1.1.3.2":     "GOST R 34.10-2012 256 with Streebog-256",
	"1.2.643.7.1.1.3.3":     "GOST R 34.10-2012 512 with Streebog-512",
	"1.2.643.2.2.3":         "GOST R 34.10-2001 with GOST R 34.11-94",
	"1.2.840.10045.4.3.2":   "ECDSA with SHA-256",
	"1.2.840.10045.4.3.3":   "ECDSA with SHA-384",
	"1.2.840.10045.4.3.4":   "ECDSA with SHA-512",
	"1.2.840.113549.1.1.11": "RSA PKCS #1 v1.5 with SHA-256",
	"1.2.840.113549.1.1.12": "RSA PKCS #1 v1.5 with SHA-384",
	"1.2.840.113549.1.1.13": "RSA PKCS #1 v1.5 with SHA-512",
	"1.2.840.113549.1.1.5":  "RSA PKCS #1 v1.5 with SHA-1",
}

func named(oid asn1.ObjectIdentifier, names map[string]string) string {
	if n, ok := names[oid.String()]; ok {
		return n + " (" + oid.String() + ")"
	}
	return oid.String()
}

func oidStrings(l []asn1.ObjectIdentifier, names map[string]string) []string {
	out := make([]string, 0, len(l))
	for _, o := range l {
		out = append(out, named(o, names))
	}
	return out
}

// printCert writes the readable description of c; now only decides the
// status shown beside the validity period.
func printCert(w io.Writer, c *cert.Certificate, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(label, value string) {
		if value != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", label, value)
		}
	}
	s := c.Subject
	row("Owner", strings.TrimSpace(s.CommonName))
	row("Surname", s.Surname)
	row("Given names", s.GivenName)
	row("Title", s.Title)
	row("Organisation", s.Organization)
	row("Unit", s.OrganizationalUnit)
	for _, ch := range checkIdentifiers(s) {
		verdict := "check digits OK"
		if !ch.Valid {
			verdict = "INVALID: " + ch.Error
		}
		label := ch.Identifier
		switch {
		case ch.Identifier == "INN" && s.OrganizationINN() != "" && s.INNLE == "":
			label = "INN (organisation, legacy form)"
		case ch.Identifier == "INN":
			label = "INN (person)"
		case ch.Identifier == "INNLE":
			label = "INN (organisation)"
		}
		value := ch.Value
		if ch.Identifier == "SNILS" && ch.Valid {
			if n, err := ruid.NormalizeSNILS(value); err == nil {
				value = ruid.FormatSNILS(n)
			}
		}
		row(label, value+" ("+verdict+")")
	}
	row("Address", joinNonEmpty(s.Country, s.Province, s.Locality, s.Street))
	row("E-mail", s.Email)
	row("Subject", s.String())
	row("Issuer", c.Issuer.String())
	row("Serial", fmt.Sprintf("%X", c.SerialNumber))
	status := "valid now"
	if err := c.ValidAt(now); err != nil {
		status = "expired"
		if now.Before(c.NotBefore) {
			status = "not yet valid"
		}
	}
	row("Valid", fmt.Sprintf("%s to %s (%s)", c.NotBefore.Format(time.RFC3339), c.NotAfter.Format(time.RFC3339), status))
	key := c.KeyString()
	if c.KeyParamSetName != "" {
		key += ", " + c.KeyParamSetName
	}
	if c.PublicKey == nil {
		key += " (not usable by Zavera)"
	}
	row("Key", key)
	row("Signature", named(c.SignatureAlgorithm, signatureNames))
	if c.HasKeyUsage {
		row("Key usage", strings.Join(cert.KeyUsageNames(c.KeyUsage), ", "))
	}
	row("Extended key usage", strings.Join(oidStrings(c.ExtKeyUsage, extKeyUsageNames), ", "))
	if c.IsCA {
		ca := "yes"
		if c.MaxPathLen >= 0 {
			ca += fmt.Sprintf(", path length %d", c.MaxPathLen)
		}
		row("CA", ca)
	} else {
		row("CA", "no")
	}
	row("Policies", strings.Join(oidStrings(c.Policies, policyNames), ", "))
	row("Subject sign tool", c.SubjectSignTool)
	for i, t := range c.IssuerSignTool {
		label := []string{"Issuer sign tool", "Issuer CA tool", "Sign tool certificate", "CA tool certificate"}[min(i, 3)]
		row(label, t)
	}
	if c.Qualified() {
		row("Qualified", "looks qualified (GOST key, KC policy, sign tools, identifiers)")
	} else {
		row("Qualified", "no")
	}
	sha := c.ThumbprintSHA1()
	row("Thumbprint SHA-1", strings.ToUpper(hex.EncodeToString(sha[:])))
	sb := c.ThumbprintStreebog()
	row("Thumbprint Streebog-256", hex.EncodeToString(sb[:]))
	tw.Flush()
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

// certJSON is the stable JSON form of a certificate: every key is always
// present; absent text is "", absent lists are [].
type certJSON struct {
	Subject               nameJSON          `json:"subject"`
	Issuer                nameJSON          `json:"issuer"`
	Serial                string            `json:"serial"`
	NotBefore             string            `json:"notBefore"`
	NotAfter              string            `json:"notAfter"`
	KeyAlgorithm          string            `json:"keyAlgorithm"`
	KeyBits               int               `json:"keyBits"`
	KeyParamSet           string            `json:"keyParamSet"`
	KeyParamSetName       string            `json:"keyParamSetName"`
	KeyUsable             bool              `json:"keyUsable"`
	SignatureAlgorithm    string            `json:"signatureAlgorithm"`
	KeyUsage              []string          `json:"keyUsage"`
	ExtKeyUsage           []string          `json:"extKeyUsage"`
	IsCA                  bool              `json:"isCA"`
	MaxPathLen            int               `json:"maxPathLen"`
	Policies              []string          `json:"policies"`
	SubjectSignTool       string            `json:"subjectSignTool"`
	IssuerSignTool        []string          `json:"issuerSignTool"`
	Qualified             bool              `json:"qualified"`
	IdentifierChecks      []identifierCheck `json:"identifierChecks"`
	ThumbprintSHA1        string            `json:"thumbprintSHA1"`
	ThumbprintStreebog256 string            `json:"thumbprintStreebog256"`
}

type nameJSON struct {
	DN                 string          `json:"dn"`
	CommonName         string          `json:"commonName"`
	Surname            string          `json:"surname"`
	GivenName          string          `json:"givenName"`
	Title              string          `json:"title"`
	Organization       string          `json:"organization"`
	OrganizationalUnit string          `json:"organizationalUnit"`
	Country            string          `json:"country"`
	Province           string          `json:"province"`
	Locality           string          `json:"locality"`
	Street             string          `json:"street"`
	Email              string          `json:"email"`
	INN                string          `json:"inn"`
	INNLE              string          `json:"innle"`
	OGRN               string          `json:"ogrn"`
	OGRNIP             string          `json:"ogrnip"`
	SNILS              string          `json:"snils"`
	PersonINN          string          `json:"personINN"`
	OrganizationINN    string          `json:"organizationINN"`
	Attributes         []attributeJSON `json:"attributes"`
}

type attributeJSON struct {
	OID   string `json:"oid"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

func newNameJSON(n cert.Name) nameJSON {
	j := nameJSON{
		DN: n.String(), CommonName: n.CommonName, Surname: n.Surname, GivenName: n.GivenName, Title: n.Title,
		Organization: n.Organization, OrganizationalUnit: n.OrganizationalUnit, Country: n.Country,
		Province: n.Province, Locality: n.Locality, Street: n.Street, Email: n.Email,
		INN: n.INN, INNLE: n.INNLE, OGRN: n.OGRN, OGRNIP: n.OGRNIP, SNILS: n.SNILS,
		PersonINN: n.PersonINN(), OrganizationINN: n.OrganizationINN(),
		Attributes: []attributeJSON{},
	}
	for _, a := range n.Attributes {
		j.Attributes = append(j.Attributes, attributeJSON{OID: a.Type.String(), Name: cert.AttributeName(a.Type), Value: a.Value})
	}
	return j
}

func newCertJSON(c *cert.Certificate) certJSON {
	sha := c.ThumbprintSHA1()
	sb := c.ThumbprintStreebog()
	j := certJSON{
		Subject: newNameJSON(c.Subject), Issuer: newNameJSON(c.Issuer),
		Serial:    fmt.Sprintf("%X", c.SerialNumber),
		NotBefore: c.NotBefore.UTC().Format(time.RFC3339), NotAfter: c.NotAfter.UTC().Format(time.RFC3339),
		KeyAlgorithm: c.KeyString(), KeyBits: c.KeyBits, KeyParamSetName: c.KeyParamSetName,
		KeyUsable:          c.PublicKey != nil,
		SignatureAlgorithm: c.SignatureAlgorithm.String(),
		KeyUsage:           []string{}, ExtKeyUsage: []string{}, Policies: []string{}, IssuerSignTool: []string{},
		IsCA: c.IsCA, MaxPathLen: c.MaxPathLen,
		SubjectSignTool: c.SubjectSignTool, Qualified: c.Qualified(),
		IdentifierChecks:      checkIdentifiers(c.Subject),
		ThumbprintSHA1:        strings.ToUpper(hex.EncodeToString(sha[:])),
		ThumbprintStreebog256: hex.EncodeToString(sb[:]),
	}
	if c.KeyParamSet != nil {
		j.KeyParamSet = c.KeyParamSet.String()
	}
	if c.HasKeyUsage {
		j.KeyUsage = append(j.KeyUsage, cert.KeyUsageNames(c.KeyUsage)...)
	}
	for _, o := range c.ExtKeyUsage {
		j.ExtKeyUsage = append(j.ExtKeyUsage, o.String())
	}
	for _, o := range c.Policies {
		j.Policies = append(j.Policies, o.String())
	}
	j.IssuerSignTool = append(j.IssuerSignTool, c.IssuerSignTool...)
	return j
}
