package main

import (
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/login"
	"github.com/zavera/zavera/revocation"
	"github.com/zavera/zavera/validate"
)

const verifyUsage = `Usage: zavera verify [OPTIONS] SIGNATURE [CONTENT]

Validates a CAdES signature (DER, BER, PEM, base64 or URL-safe base64) and
shows the verdict on each signer as ETSI EN 319 102-1 gives it (PASSED,
FAILED or INDETERMINATE with the reason), who signed, when, with which
certificate, and what was checked. CONTENT is the signed document of a
detached signature. A login signature (signChallenge, login content type)
is named as such: it signs no document.

  --ca FILE           trust anchors (PEM, DER or base64); repeatable.
  --trust-list FILE   the trusted list of accredited CAs (the XML of
                      e-trust.gosuslugi.ru): its CA certificates are anchors
                      while the CA's accreditation is in force.
                      Without --ca or --trust-list no path to a trusted CA
                      can be found and the verdict is at best INDETERMINATE.
  --certs FILE        extra intermediate CA certificates; repeatable.
  --signer-cert FILE  the signer's certificate, for a signature that does
                      not carry it; repeatable.
  --at TIME           validation time (RFC 3339, e.g. 2022-03-01T00:00:00Z);
                      default the signing time the signature states, else
                      now. --time is the older name.
  --crl FILE          CRLs to check revocation with (PEM or DER); repeatable.
  --offline           never touch the network: check revocation only with
                      the CRLs and OCSP responses the signature carries and
                      those given with --crl. The report says so.
  --no-revocation     do not check revocation (the report says so).
                      By default the certificates' OCSP responders and CRL
                      distribution points are asked as well.
  --json              print a validation report (ETSI TS 119 102-2 shape).

Exit status: 0 passed, 1 failed, 3 indeterminate (cannot be confirmed),
2 bad usage or unusable input.`

// Exit statuses of verify.
const (
	exitPassed        = 0
	exitFailed        = 1
	exitUsage         = 2
	exitIndeterminate = 3
)

// verifyArgs are the parsed arguments of `zavera verify`.
type verifyArgs struct {
	cas, certs, signerCerts []string
	trustList               string
	crls                    []string
	offline, noRevocation   bool
	json                    bool
	at                      time.Time
	signature               string
	content                 string
}

// parseVerifyArgs reads options wherever they appear among the operands.
func parseVerifyArgs(args []string) (*verifyArgs, error) {
	a := &verifyArgs{}
	var operands []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if !strings.HasPrefix(arg, "-") || arg == "-" {
			operands = append(operands, arg)
			continue
		}
		if arg == "--" {
			operands = append(operands, args[i+1:]...)
			break
		}
		switch name {
		case "json", "offline", "no-revocation":
			if hasValue {
				return nil, fmt.Errorf("--%s takes no value", name)
			}
			switch name {
			case "json":
				a.json = true
			case "offline":
				a.offline = true
			default:
				a.noRevocation = true
			}
		case "ca", "certs", "signer-cert", "trust-list", "at", "time", "crl":
			if !hasValue {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("--%s needs a value", name)
				}
				i++
				value = args[i]
			}
			switch name {
			case "ca":
				a.cas = append(a.cas, value)
			case "certs":
				a.certs = append(a.certs, value)
			case "signer-cert":
				a.signerCerts = append(a.signerCerts, value)
			case "crl":
				a.crls = append(a.crls, value)
			case "trust-list":
				if a.trustList != "" {
					return nil, fmt.Errorf("--trust-list given twice")
				}
				a.trustList = value
			default:
				t, err := time.Parse(time.RFC3339, value)
				if err != nil {
					return nil, fmt.Errorf("--%s: %w", name, err)
				}
				a.at = t
			}
		case "h", "help":
			return nil, errHelp
		default:
			return nil, fmt.Errorf("unknown option %s", arg)
		}
	}
	if a.noRevocation && (a.offline || len(a.crls) > 0) {
		return nil, fmt.Errorf("--no-revocation excludes --offline and --crl")
	}
	switch len(operands) {
	case 1:
		a.signature = operands[0]
	case 2:
		a.signature, a.content = operands[0], operands[1]
	default:
		return nil, fmt.Errorf("want SIGNATURE [CONTENT], got %d arguments", len(operands))
	}
	return a, nil
}

var errHelp = errors.New("help")

// runVerify implements `zavera verify`.
func runVerify(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a, err := parseVerifyArgs(args)
	if errors.Is(err, errHelp) {
		fmt.Fprintln(stdout, verifyUsage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "zavera verify: %v\n\n%s\n", err, verifyUsage)
		return exitUsage
	}
	sig, err := readInput(a.signature, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "zavera verify: %v\n", err)
		return exitUsage
	}
	opts := &validate.Options{At: a.at}
	for _, l := range []struct {
		files []string
		to    *[]*cert.Certificate
	}{{a.cas, &opts.Anchors}, {a.certs, &opts.Certificates}, {a.signerCerts, &opts.SignerCertificates}} {
		if *l.to, err = loadCertificates(l.files); err != nil {
			fmt.Fprintf(stderr, "zavera verify: %v\n", err)
			return exitUsage
		}
	}
	if !a.noRevocation {
		opts.Revocation = &validate.RevocationOptions{Offline: a.offline}
		for _, name := range a.crls {
			data, err := os.ReadFile(name)
			var l *revocation.CRL
			if err == nil {
				l, err = revocation.ParseCRL(data)
			}
			if err != nil {
				fmt.Fprintf(stderr, "zavera verify: %s: %v\n", name, err)
				return exitUsage
			}
			opts.Revocation.CRLs = append(opts.Revocation.CRLs, l)
		}
	}
	if a.trustList != "" {
		data, err := os.ReadFile(a.trustList)
		if err == nil {
			opts.TrustList, err = validate.ParseTrustList(data)
		}
		if err != nil {
			fmt.Fprintf(stderr, "zavera verify: %s: %v\n", a.trustList, err)
			return exitUsage
		}
	}
	if a.content != "" {
		f, err := openInput(a.content, stdin)
		if err != nil {
			fmt.Fprintf(stderr, "zavera verify: %v\n", err)
			return exitUsage
		}
		defer f.Close()
		opts.Content = f
	}
	rep, err := validate.Validate(sig, opts)
	if err != nil {
		fmt.Fprintf(stderr, "zavera verify: %s: %v\n", a.signature, err)
		return exitUsage
	}
	if a.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(reportJSON(rep)); err != nil {
			fmt.Fprintf(stderr, "zavera verify: %v\n", err)
			return exitUsage
		}
	} else {
		printVerdict(stdout, rep)
	}
	switch rep.Indication() {
	case validate.Passed:
		return exitPassed
	case validate.Failed:
		return exitFailed
	}
	return exitIndeterminate
}

func readInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(name)
}

func openInput(name string, stdin io.Reader) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(stdin), nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s: is a directory", name)
	}
	return f, nil
}

func loadCertificates(files []string) ([]*cert.Certificate, error) {
	var out []*cert.Certificate
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		certs, err := cert.ParseAll(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, certs...)
	}
	return out, nil
}

// printVerdict writes the report for people.
func printVerdict(w io.Writer, rep *validate.Report) {
	sd := rep.Result.SignedData
	kind := "attached"
	if sd.Detached {
		kind = "detached"
	}
	switch ct := sd.ContentType; {
	case ct.Equal(login.ContentType):
		kind += ", a login (signChallenge), not a document"
	case !ct.EqualASN1OID(oidData):
		kind += ", content type " + ct.String()
	}
	fmt.Fprintf(w, "Signature: %s, %s, %d signer(s)\n", rep.Indication(), kind, len(rep.Signatures))
	for _, s := range rep.Signatures {
		v := string(s.Indication)
		if s.SubIndication != "" {
			v += " (" + string(s.SubIndication) + ")"
		}
		fmt.Fprintf(w, "\nSigner %d: %s\n", s.Index+1, v)
		row(w, "Reason", s.Detail)
		if c := s.Certificate; c != nil {
			n := c.Subject
			row(w, "Owner", personName(n))
			row(w, "Title", n.Title)
			row(w, "Organisation", n.Organization)
			row(w, "INN", n.PersonINN())
			row(w, "INN (organisation)", n.OrganizationINN())
			row(w, "OGRN", n.OGRN)
			row(w, "OGRNIP", n.OGRNIP)
			row(w, "SNILS", n.SNILS)
			row(w, "Email", n.Email)
		}
		if s.SigningTime != nil {
			row(w, "Signed at", s.SigningTime.UTC().Format("2006-01-02 15:04:05 UTC")+" (as the signature states)")
		} else {
			row(w, "Signed at", "not stated in the signature")
		}
		row(w, "Checked at", s.ValidationTime.UTC().Format("2006-01-02 15:04:05 UTC")+" ("+timeSourceText[s.ValidationTimeSource]+")")
		row(w, "Digest", s.DigestAlgorithm)
		if c := s.Certificate; c != nil {
			row(w, "Certificate", fmt.Sprintf("serial %X, %s", c.SerialNumber, c.KeyString()))
			row(w, "Issuer", c.Issuer.String())
			row(w, "Valid", fmt.Sprintf("%s to %s", c.NotBefore.UTC().Format(time.DateOnly), c.NotAfter.UTC().Format(time.DateOnly)))
			sum := c.ThumbprintSHA1()
			row(w, "SHA-1 thumbprint", hex.EncodeToString(sum[:]))
		}
		for _, ts := range s.Timestamps {
			v := string(ts.Indication)
			if ts.SubIndication != "" {
				v += " (" + string(ts.SubIndication) + ")"
			}
			tsa := "TSA unknown"
			if ts.TSA != nil {
				tsa = "TSA " + ts.TSA.Subject.String()
			}
			row(w, "Time-stamp", fmt.Sprintf("%s, %s, %s", ts.GenTime.UTC().Format("2006-01-02 15:04:05 UTC"), v, tsa))
		}
		row(w, "Revocation", revocationText(s))
		if s.TrustAnchor != nil {
			row(w, "Trust anchor", s.TrustAnchor.Subject.String())
		}
		if t := s.TrustList; t != nil {
			acc := "accreditation NOT in force at the time checked"
			if t.Accredited {
				acc = "accredited from " + t.Period.From.UTC().Format(time.DateOnly)
				if !t.Period.To.IsZero() {
					acc += " to " + t.Period.To.UTC().Format(time.DateOnly)
				}
			}
			row(w, "Accredited CA", t.CA.Name+", "+acc)
		}
		fmt.Fprintln(w, "  Checks:")
		for _, c := range s.Checks {
			line := fmt.Sprintf("    %-21s %-7s", c.Name, c.Outcome)
			if c.Detail != "" {
				line += " " + c.Detail
			}
			fmt.Fprintln(w, strings.TrimRight(line, " "))
		}
		for _, n := range s.Notes {
			fmt.Fprintf(w, "  Note: %s\n", n)
		}
	}
}

// revocationText sums up the revocation check of a signer.
func revocationText(s *validate.SignatureReport) string {
	if s.Revocation == validate.RevocationNotChecked {
		return "not checked"
	}
	var parts []string
	for _, rc := range s.RevocationChecks {
		p := rc.Status
		if rc.Source != "" {
			from := "not fetched"
			if rc.Fetched {
				from = rc.URL
			}
			p += " (" + rc.Source + ", " + from + ")"
		}
		if !rc.RevokedAt.IsZero() {
			p += " revoked " + rc.RevokedAt.UTC().Format("2006-01-02 15:04:05 UTC")
		}
		parts = append(parts, p)
	}
	out := s.Revocation
	if len(parts) > 0 {
		out += ": " + strings.Join(parts, "; ")
	}
	if s.RevocationOffline {
		out += " [offline]"
	}
	return out
}

// timeSourceText says where a validation time came from.
var timeSourceText = map[string]string{
	validate.TimeGiven:       "the time given with --at",
	validate.TimeSigningTime: "the signing time the signature states",
	validate.TimeCurrent:     "now",
	validate.TimeTimestamp:   "the time the signature time-stamp proves",
}

func row(w io.Writer, label, value string) {
	if value != "" {
		fmt.Fprintf(w, "  %-19s %s\n", label+":", value)
	}
}

func personName(n cert.Name) string {
	if n.Surname != "" && n.GivenName != "" {
		return n.Surname + " " + n.GivenName
	}
	return n.CommonName
}

// oidData is id-data, the content type of documents.
var oidData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}

// verifyJSON is the --json output: the validation report of package
// validate, with what the signature is (detached, login) and each
// signer's identifiers as the certs command gives them.
type verifyJSON struct {
	Indication  validate.Indication `json:"indication"`
	ValidatedAt time.Time           `json:"validatedAt"`
	Detached    bool                `json:"detached"`
	// ContentType is the eContentType, dotted; Login says it is the
	// login content type of signChallenge.
	ContentType string                      `json:"contentType"`
	Login       bool                        `json:"login"`
	Signatures  []signatureJSON             `json:"signatureValidationReport"`
	Validator   validate.SignatureValidator `json:"signatureValidator"`
}

type signatureJSON struct {
	validate.SignatureJSON
	Holder *holderJSON `json:"holder,omitempty"`
}

func reportJSON(rep *validate.Report) verifyJSON {
	simple := rep.Simple()
	sd := rep.Result.SignedData
	out := verifyJSON{Indication: simple.Indication, ValidatedAt: simple.ValidatedAt, Detached: sd.Detached,
		ContentType: sd.ContentType.String(), Login: sd.ContentType.Equal(login.ContentType),
		Signatures: []signatureJSON{}, Validator: simple.Validator}
	for i, sj := range simple.Signatures {
		o := signatureJSON{SignatureJSON: sj}
		if c := rep.Signatures[i].Certificate; c != nil {
			h := holderOf(c)
			o.Holder = &h
		}
		out.Signatures = append(out.Signatures, o)
	}
	return out
}
