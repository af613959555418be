package main

import (
	"encoding/base64"
	"time"

	"github.com/zavera/zavera/internal/jsonstr"
	"github.com/zavera/zavera/validate"
)

// AppendJSON appends the report as encoding/json encodes it, byte for
// byte, without reflection: verify-server answers every request with it
// (see verifyserver.Config.Render). It fails where encoding/json fails: on
// a time outside the years 0 to 9999. TestReportJSONAppendMatchesEncoding
// fills every field of these types to hold the two encoders together, so a
// field added to them without being added here fails the test.
func (v *verifyJSON) AppendJSON(b []byte) ([]byte, error) {
	e := jsonAppender{b: b}
	e.key(`{"indication":`)
	e.str(string(v.Indication))
	e.key(`,"validatedAt":`)
	e.time(v.ValidatedAt)
	e.key(`,"detached":`)
	e.bool(v.Detached)
	e.key(`,"contentType":`)
	e.str(v.ContentType)
	e.key(`,"login":`)
	e.bool(v.Login)
	e.key(`,"signatureValidationReport":`)
	if v.Signatures == nil {
		e.key("null")
	} else {
		appendList(&e, v.Signatures, e.signature)
	}
	e.key(`,"signatureValidator":{"name":`)
	e.str(v.Validator.Name)
	e.key(`}}`)
	return e.b, e.err
}

// jsonAppender appends JSON to b; err keeps the first failure.
type jsonAppender struct {
	b   []byte
	err error
}

// key appends literal JSON: punctuation and field names.
func (e *jsonAppender) key(s string) { e.b = append(e.b, s...) }

func (e *jsonAppender) bool(v bool) {
	if v {
		e.b = append(e.b, "true"...)
	} else {
		e.b = append(e.b, "false"...)
	}
}

// time appends t as time.Time's MarshalJSON does (RFC 3339 with
// nanoseconds, quoted).
func (e *jsonAppender) time(t time.Time) {
	e.b = append(e.b, '"')
	b, err := t.AppendText(e.b)
	if err != nil {
		if e.err == nil {
			e.err = err
		}
		return
	}
	e.b = append(b, '"')
}

func (e *jsonAppender) bytes(v []byte) {
	if v == nil {
		e.key("null")
		return
	}
	e.b = append(e.b, '"')
	e.b = base64.StdEncoding.AppendEncode(e.b, v)
	e.b = append(e.b, '"')
}

func (e *jsonAppender) strings(v []string) {
	if v == nil {
		e.key("null")
		return
	}
	appendList(e, v, func(s *string) { e.str(*s) })
}

// str appends s as a JSON string (jsonstr.Append).
func (e *jsonAppender) str(s string) { e.b = jsonstr.Append(e.b, s) }

// optStr appends ,"name":"s" unless s is empty (omitempty); name is given
// as `,"name":`.
func (e *jsonAppender) optStr(name, s string) {
	if s != "" {
		e.key(name)
		e.str(s)
	}
}

func (e *jsonAppender) optTime(name string, t *time.Time) {
	if t != nil {
		e.key(name)
		e.time(*t)
	}
}

func (e *jsonAppender) signature(s *signatureJSON) {
	id := &s.SignatureIdentifier
	e.key(`{"signatureIdentifier":{"id":`)
	e.str(id.ID)
	e.key(`,"digestAlgAndValue":{"digestMethod":`)
	e.str(id.DigestAlgAndValue.DigestMethod)
	e.key(`,"digestValue":`)
	e.bytes(id.DigestAlgAndValue.DigestValue)
	e.key(`},"hashOnly":`)
	e.bool(id.HashOnly)
	e.key(`,"docHashOnly":`)
	e.bool(id.DocHashOnly)

	ti := &s.ValidationTimeInfo
	e.key(`},"validationTimeInfo":{"validationTime":`)
	e.time(ti.ValidationTime)
	e.key(`,"validationTimeSource":`)
	e.str(ti.ValidationTimeSource)
	e.key(`,"bestSignatureTime":{"poeTime":`)
	e.time(ti.BestSignatureTime.POETime)
	e.key(`,"typeOfProof":`)
	e.str(ti.BestSignatureTime.TypeOfProof)

	e.key(`}},"signersDocument":{"detached":`)
	e.bool(s.SignersDocument.Detached)
	e.key(`},"signatureAttributes":{`)
	if st := s.SignatureAttributes.SigningTime; st != nil {
		e.key(`"signingTime":{"time":`)
		e.time(st.Time)
		e.key(`,"signed":`)
		e.bool(st.Signed)
		e.key(`},`)
	}
	e.key(`"digestAlgorithm":`)
	e.str(s.SignatureAttributes.DigestAlgorithm)
	e.key(`}`)
	if si := s.SignerInformation; si != nil {
		e.key(`,"signerInformation":{"signer":`)
		e.str(si.Signer)
		e.key(`,"signerCertificate":`)
		e.certificate(&si.SignerCertificate)
		e.key(`}`)
	}
	e.key(`,"signatureValidationProcess":{"signatureValidationProcessID":`)
	e.str(s.SignatureValidationProcess.ID)
	e.key(`},"signatureValidationStatus":`)
	e.status(&s.SignatureValidationStatus)

	e.key(`,"indication":`)
	e.str(string(s.Indication))
	e.optStr(`,"subIndication":`, string(s.SubIndication))
	e.optStr(`,"detail":`, s.Detail)
	e.key(`,"checks":`)
	if s.Checks == nil {
		e.key("null")
	} else {
		appendList(e, s.Checks, func(c *validate.Check) {
			e.key(`{"name":`)
			e.str(c.Name)
			e.key(`,"outcome":`)
			e.str(c.Outcome)
			e.optStr(`,"detail":`, c.Detail)
			e.b = append(e.b, '}')
		})
	}
	if len(s.Notes) > 0 {
		e.key(`,"notes":`)
		e.strings(s.Notes)
	}
	if len(s.Timestamps) > 0 {
		e.key(`,"timestamps":`)
		appendList(e, s.Timestamps, e.timestamp)
	}
	if h := s.Holder; h != nil {
		e.key(`,"holder":`)
		e.holder(h)
	}
	e.b = append(e.b, '}')
}

func (e *jsonAppender) status(v *validate.ValidationStatus) {
	e.key(`{"mainIndication":`)
	e.str(v.MainIndication)
	if len(v.SubIndication) > 0 {
		e.key(`,"subIndication":`)
		e.strings(v.SubIndication)
	}
	if a := v.Associated; a != nil {
		e.key(`,"associatedValidationReportData":{`)
		if len(a.CertificateChain) > 0 {
			e.key(`"certificateChain":`)
			appendList(e, a.CertificateChain, e.certificate)
			e.b = append(e.b, ',')
		}
		if a.TrustAnchor != nil {
			e.key(`"trustAnchor":`)
			e.certificate(a.TrustAnchor)
			e.b = append(e.b, ',')
		}
		if a.TrustedList != nil {
			e.key(`"trustedList":`)
			e.trustedList(a.TrustedList)
			e.b = append(e.b, ',')
		}
		e.key(`"revocationStatusInformation":`)
		e.str(a.Revocation)
		if a.RevocationOffline {
			e.key(`,"revocationOffline":true`)
		}
		if len(a.RevocationData) > 0 {
			e.key(`,"revocationData":`)
			appendList(e, a.RevocationData, e.revocation)
		}
		e.key(`,"cryptoInformation":{`)
		if a.Crypto.KeyAlgorithm != "" {
			e.key(`"keyAlgorithm":`)
			e.str(a.Crypto.KeyAlgorithm)
			e.b = append(e.b, ',')
		}
		e.key(`"digestAlgorithm":`)
		e.str(a.Crypto.DigestAlgorithm)
		e.key(`,"withdrawnForNewSignatures":`)
		e.bool(a.Crypto.Withdrawn)
		e.key(`}}`)
	}
	e.b = append(e.b, '}')
}

func (e *jsonAppender) certificate(c *validate.CertificateJSON) {
	e.key(`{"subject":`)
	e.str(c.Subject)
	e.key(`,"issuer":`)
	e.str(c.Issuer)
	e.key(`,"serialNumber":`)
	e.str(c.SerialNumber)
	e.key(`,"notBefore":`)
	e.time(c.NotBefore)
	e.key(`,"notAfter":`)
	e.time(c.NotAfter)
	e.key(`,"keyAlgorithm":`)
	e.str(c.KeyAlgorithm)
	e.key(`,"thumbprintSHA1":`)
	e.str(c.ThumbprintSHA1)
	e.key(`,"thumbprintStreebog256":`)
	e.str(c.ThumbprintStreebog)
	e.b = append(e.b, '}')
}

func (e *jsonAppender) timestamp(t *validate.TimestampJSON) {
	e.key(`{"type":`)
	e.str(t.Type)
	e.key(`,"indication":`)
	e.str(string(t.Indication))
	e.optStr(`,"subIndication":`, string(t.SubIndication))
	e.optStr(`,"detail":`, t.Detail)
	e.key(`,"productionTime":`)
	e.time(t.ProductionTime)
	e.optStr(`,"policy":`, t.Policy)
	e.optStr(`,"serialNumber":`, t.SerialNumber)
	if t.TSA != nil {
		e.key(`,"tsa":`)
		e.certificate(t.TSA)
	}
	e.b = append(e.b, '}')
}

func (e *jsonAppender) revocation(r *validate.RevocationJSON) {
	e.key(`{"certificate":`)
	e.str(r.Certificate)
	e.key(`,"status":`)
	e.str(r.Status)
	e.optStr(`,"source":`, r.Source)
	if r.Fetched {
		e.key(`,"fetched":true`)
	}
	e.optStr(`,"url":`, r.URL)
	e.optTime(`,"thisUpdate":`, r.ThisUpdate)
	e.optTime(`,"nextUpdate":`, r.NextUpdate)
	e.optTime(`,"revokedAt":`, r.RevokedAt)
	e.optStr(`,"detail":`, r.Detail)
	e.b = append(e.b, '}')
}

func (e *jsonAppender) trustedList(t *validate.TrustedListJSON) {
	e.key(`{"ca":`)
	e.str(t.CA)
	e.optStr(`,"shortName":`, t.ShortName)
	e.optStr(`,"inn":`, t.INN)
	e.optStr(`,"ogrn":`, t.OGRN)
	e.optStr(`,"registryNumber":`, t.RegistryNumber)
	e.optStr(`,"complex":`, t.Complex)
	e.key(`,"accreditedAtValidationTime":`)
	e.bool(t.Accredited)
	e.optTime(`,"accreditedFrom":`, t.AccreditedFrom)
	e.optTime(`,"accreditedTo":`, t.AccreditedTo)
	e.key(`,"currentStatus":`)
	e.str(t.CurrentStatus)
	e.b = append(e.b, '}')
}

func (e *jsonAppender) holder(h *holderJSON) {
	e.key(`{"owner":`)
	e.str(h.Owner)
	e.optStr(`,"title":`, h.Title)
	e.optStr(`,"organization":`, h.Organization)
	e.optStr(`,"inn":`, h.INN)
	e.optStr(`,"innle":`, h.INNLE)
	e.optStr(`,"ogrn":`, h.OGRN)
	e.optStr(`,"ogrnip":`, h.OGRNIP)
	e.optStr(`,"snils":`, h.SNILS)
	e.key(`,"issuer":`)
	e.str(h.Issuer)
	e.key(`,"serial":`)
	e.str(h.Serial)
	e.key(`,"not_before":`)
	e.time(h.NotBefore)
	e.key(`,"not_after":`)
	e.time(h.NotAfter)
	e.key(`,"key_algorithm":`)
	e.str(h.KeyAlgorithm)
	e.key(`,"thumbprint_sha1":`)
	e.str(h.ThumbprintSHA1)
	e.b = append(e.b, '}')
}

// appendList writes items as a JSON array, each by each.
func appendList[T any](e *jsonAppender, items []T, each func(*T)) {
	e.b = append(e.b, '[')
	for i := range items {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		each(&items[i])
	}
	e.b = append(e.b, ']')
}
