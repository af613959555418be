package validate

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/zavera/zavera/cert"
)

// SimpleReport is the JSON form of a Report, shaped after the validation
// report of ETSI TS 119 102-2 (its SignatureValidationReport elements, one
// per signature, with element names in lower camel case), plus the
// indication and sub-indication as bare words and the checks made. See
// docs/verification.md for the mapping.
type SimpleReport struct {
	// Indication is the verdict on the whole signature.
	Indication  Indication         `json:"indication"`
	ValidatedAt time.Time          `json:"validatedAt"`
	Signatures  []SignatureJSON    `json:"signatureValidationReport"`
	Validator   SignatureValidator `json:"signatureValidator"`
}

// SignatureValidator names the software that validated.
type SignatureValidator struct {
	Name string `json:"name"`
}

// SignatureJSON is one signature's report.
type SignatureJSON struct {
	SignatureIdentifier        SignatureIdentifier `json:"signatureIdentifier"`
	ValidationTimeInfo         ValidationTimeInfo  `json:"validationTimeInfo"`
	SignersDocument            SignersDocument     `json:"signersDocument"`
	SignatureAttributes        SignatureAttributes `json:"signatureAttributes"`
	SignerInformation          *SignerInformation  `json:"signerInformation,omitempty"`
	SignatureValidationProcess ValidationProcess   `json:"signatureValidationProcess"`
	SignatureValidationStatus  ValidationStatus    `json:"signatureValidationStatus"`

	// Indication and SubIndication repeat the status as bare words.
	Indication    Indication    `json:"indication"`
	SubIndication SubIndication `json:"subIndication,omitempty"`
	Detail        string        `json:"detail,omitempty"`
	Checks        []Check       `json:"checks"`
	Notes         []string      `json:"notes,omitempty"`
	// Timestamps are the verdicts on the signature's time-stamps.
	Timestamps []TimestampJSON `json:"timestamps,omitempty"`
}

// TimestampJSON is one time-stamp's verdict.
type TimestampJSON struct {
	Type           string           `json:"type"`
	Indication     Indication       `json:"indication"`
	SubIndication  SubIndication    `json:"subIndication,omitempty"`
	Detail         string           `json:"detail,omitempty"`
	ProductionTime time.Time        `json:"productionTime"`
	Policy         string           `json:"policy,omitempty"`
	SerialNumber   string           `json:"serialNumber,omitempty"`
	TSA            *CertificateJSON `json:"tsa,omitempty"`
}

// SignatureIdentifier identifies the signature by the hash of its value.
type SignatureIdentifier struct {
	ID                string            `json:"id"`
	DigestAlgAndValue DigestAlgAndValue `json:"digestAlgAndValue"`
	HashOnly          bool              `json:"hashOnly"`
	DocHashOnly       bool              `json:"docHashOnly"`
}

// DigestAlgAndValue is a hash with its algorithm's URI.
type DigestAlgAndValue struct {
	DigestMethod string `json:"digestMethod"`
	DigestValue  []byte `json:"digestValue"`
}

// ValidationTimeInfo says when the signature was judged.
type ValidationTimeInfo struct {
	ValidationTime       time.Time         `json:"validationTime"`
	ValidationTimeSource string            `json:"validationTimeSource"`
	BestSignatureTime    BestSignatureTime `json:"bestSignatureTime"`
}

// BestSignatureTime is the earliest proven existence of the signature.
type BestSignatureTime struct {
	POETime     time.Time `json:"poeTime"`
	TypeOfProof string    `json:"typeOfProof"`
}

// SignersDocument says how the signed content was given.
type SignersDocument struct {
	Detached bool `json:"detached"`
}

// SignatureAttributes are the signed attributes the verdict used.
type SignatureAttributes struct {
	SigningTime     *SigningTimeJSON `json:"signingTime,omitempty"`
	DigestAlgorithm string           `json:"digestAlgorithm"`
}

// SigningTimeJSON is the claimed signing time.
type SigningTimeJSON struct {
	Time   time.Time `json:"time"`
	Signed bool      `json:"signed"`
}

// SignerInformation names the signer.
type SignerInformation struct {
	Signer            string          `json:"signer"`
	SignerCertificate CertificateJSON `json:"signerCertificate"`
}

// CertificateJSON describes a certificate of the report.
type CertificateJSON struct {
	Subject            string    `json:"subject"`
	Issuer             string    `json:"issuer"`
	SerialNumber       string    `json:"serialNumber"`
	NotBefore          time.Time `json:"notBefore"`
	NotAfter           time.Time `json:"notAfter"`
	KeyAlgorithm       string    `json:"keyAlgorithm"`
	ThumbprintSHA1     string    `json:"thumbprintSHA1"`
	ThumbprintStreebog string    `json:"thumbprintStreebog256"`
}

// ValidationProcess names the ETSI EN 319 102-1 process applied.
type ValidationProcess struct {
	ID string `json:"signatureValidationProcessID"`
}

// ValidationStatus is the verdict as URIs, with the data behind it.
type ValidationStatus struct {
	MainIndication string                `json:"mainIndication"`
	SubIndication  []string              `json:"subIndication,omitempty"`
	Associated     *AssociatedReportData `json:"associatedValidationReportData,omitempty"`
}

// AssociatedReportData holds the path, the anchor and the trusted list
// entry behind the verdict.
type AssociatedReportData struct {
	CertificateChain  []CertificateJSON `json:"certificateChain,omitempty"`
	TrustAnchor       *CertificateJSON  `json:"trustAnchor,omitempty"`
	TrustedList       *TrustedListJSON  `json:"trustedList,omitempty"`
	Revocation        string            `json:"revocationStatusInformation"`
	RevocationOffline bool              `json:"revocationOffline,omitempty"`
	RevocationData    []RevocationJSON  `json:"revocationData,omitempty"`
	Crypto            CryptoInformation `json:"cryptoInformation"`
}

// RevocationJSON is what was found about one certificate's revocation.
type RevocationJSON struct {
	Certificate string     `json:"certificate"`
	Status      string     `json:"status"`
	Source      string     `json:"source,omitempty"`
	Fetched     bool       `json:"fetched,omitempty"`
	URL         string     `json:"url,omitempty"`
	ThisUpdate  *time.Time `json:"thisUpdate,omitempty"`
	NextUpdate  *time.Time `json:"nextUpdate,omitempty"`
	RevokedAt   *time.Time `json:"revokedAt,omitempty"`
	Detail      string     `json:"detail,omitempty"`
}

// TrustedListJSON says which accredited CA the path goes through.
type TrustedListJSON struct {
	CA             string     `json:"ca"`
	ShortName      string     `json:"shortName,omitempty"`
	INN            string     `json:"inn,omitempty"`
	OGRN           string     `json:"ogrn,omitempty"`
	RegistryNumber string     `json:"registryNumber,omitempty"`
	Complex        string     `json:"complex,omitempty"`
	Accredited     bool       `json:"accreditedAtValidationTime"`
	AccreditedFrom *time.Time `json:"accreditedFrom,omitempty"`
	AccreditedTo   *time.Time `json:"accreditedTo,omitempty"`
	CurrentStatus  string     `json:"currentStatus"`
}

// CryptoInformation names the signature's algorithms and whether they are
// fit for new signatures.
type CryptoInformation struct {
	KeyAlgorithm    string `json:"keyAlgorithm,omitempty"`
	DigestAlgorithm string `json:"digestAlgorithm"`
	Withdrawn       bool   `json:"withdrawnForNewSignatures"`
}

// validatorName names the validating software in reports.
const validatorName = "Zavera"

// Simple returns the report's JSON form.
func (r *Report) Simple() SimpleReport {
	out := SimpleReport{Indication: r.Indication(), ValidatedAt: r.ValidatedAt, Signatures: []SignatureJSON{},
		Validator: SignatureValidator{Name: validatorName}}
	cj := certJSONs{}
	for _, s := range r.Signatures {
		out.Signatures = append(out.Signatures, s.json(cj))
	}
	return out
}

func (s *SignatureReport) json(cj certJSONs) SignatureJSON {
	sum := sha256.Sum256(s.SignatureValue)
	j := SignatureJSON{
		SignatureIdentifier: SignatureIdentifier{ID: s.ID, DigestAlgAndValue: DigestAlgAndValue{
			DigestMethod: "http://www.w3.org/2001/04/xmlenc#sha256", DigestValue: sum[:]}, DocHashOnly: s.DocHashOnly},
		ValidationTimeInfo: ValidationTimeInfo{ValidationTime: s.ValidationTime.UTC(), ValidationTimeSource: s.ValidationTimeSource,
			BestSignatureTime: BestSignatureTime{POETime: s.BestSignatureTime.UTC(), TypeOfProof: "urn:etsi:019102:poetype:validation"}},
		SignersDocument:            SignersDocument{Detached: s.Format == "detached"},
		SignatureAttributes:        SignatureAttributes{DigestAlgorithm: s.DigestAlgorithm},
		SignatureValidationProcess: ValidationProcess{ID: "urn:etsi:019102:validationprocess:Basic"},
		SignatureValidationStatus:  ValidationStatus{MainIndication: s.Indication.URI()},
		Indication:                 s.Indication, SubIndication: s.SubIndication, Detail: s.Detail,
		Checks: append([]Check{}, s.Checks...), Notes: s.Notes,
	}
	for _, t := range s.Timestamps {
		tj := TimestampJSON{Type: t.Type, Indication: t.Indication, SubIndication: t.SubIndication, Detail: t.Detail,
			ProductionTime: t.GenTime.UTC(), Policy: t.Policy, SerialNumber: t.SerialNumber}
		if t.TSA != nil {
			c := cj.get(t.TSA)
			tj.TSA = &c
		}
		j.Timestamps = append(j.Timestamps, tj)
	}
	if s.SubIndication != "" {
		j.SignatureValidationStatus.SubIndication = []string{s.SubIndication.URI()}
	}
	if s.SigningTime != nil {
		j.SignatureAttributes.SigningTime = &SigningTimeJSON{Time: *s.SigningTime, Signed: true}
	}
	a := &AssociatedReportData{Revocation: s.Revocation, RevocationOffline: s.RevocationOffline, Crypto: CryptoInformation{DigestAlgorithm: s.DigestAlgorithm}}
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		u := t.UTC()
		return &u
	}
	for _, rc := range s.RevocationChecks {
		a.RevocationData = append(a.RevocationData, RevocationJSON{Certificate: rc.Certificate.SubjectString(), Status: rc.Status,
			Source: rc.Source, Fetched: rc.Fetched, URL: rc.URL, ThisUpdate: opt(rc.ThisUpdate), NextUpdate: opt(rc.NextUpdate),
			RevokedAt: opt(rc.RevokedAt), Detail: rc.Detail})
	}
	if c := s.Certificate; c != nil {
		name := c.Subject.CommonName
		if c.Subject.Surname != "" && c.Subject.GivenName != "" {
			name = c.Subject.Surname + " " + c.Subject.GivenName
		}
		j.SignerInformation = &SignerInformation{Signer: name, SignerCertificate: cj.get(c)}
		a.Crypto.KeyAlgorithm = c.KeyString()
		a.Crypto.Withdrawn = c.KeyAlgorithm == cert.KeyGOST2001
	}
	for _, c := range s.Chain {
		a.CertificateChain = append(a.CertificateChain, cj.get(c))
	}
	if s.TrustAnchor != nil {
		ta := cj.get(s.TrustAnchor)
		a.TrustAnchor = &ta
	}
	if t := s.TrustList; t != nil {
		tj := &TrustedListJSON{CA: t.CA.Name, ShortName: t.CA.ShortName, INN: t.CA.INN, OGRN: t.CA.OGRN,
			RegistryNumber: t.CA.RegistryNumber, Complex: t.Certificate.Complex, Accredited: t.Accredited, CurrentStatus: t.CA.Status}
		if t.Accredited {
			from := t.Period.From.UTC()
			tj.AccreditedFrom = &from
			if !t.Period.To.IsZero() {
				to := t.Period.To.UTC()
				tj.AccreditedTo = &to
			}
		}
		a.TrustedList = tj
	}
	j.SignatureValidationStatus.Associated = a
	return j
}

// certJSONs keeps the description of each certificate a report names:
// the signer's certificate and the anchor appear twice in each signature,
// the TSA's in each of its time-stamps.
type certJSONs map[*cert.Certificate]CertificateJSON

func (m certJSONs) get(c *cert.Certificate) CertificateJSON {
	j, ok := m[c]
	if !ok {
		j = certJSON(c)
		m[c] = j
	}
	return j
}

func certJSON(c *cert.Certificate) CertificateJSON {
	sha1 := c.ThumbprintSHA1()
	gost := c.ThumbprintStreebog()
	return CertificateJSON{
		Subject: c.SubjectString(), Issuer: c.IssuerString(), SerialNumber: c.SerialString(),
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(), KeyAlgorithm: c.KeyString(),
		ThumbprintSHA1: hex.EncodeToString(sha1[:]), ThumbprintStreebog: hex.EncodeToString(gost[:]),
	}
}
