package cades

import (
	"encoding/asn1"
	"fmt"

	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/revocation"
)

// revocationValues is RevocationValues (RFC 5126 section 6.3.4; the
// module uses explicit tags).
type revocationValues struct {
	CRLVals  []asn1.RawValue `asn1:"explicit,tag:0,optional"`
	OCSPVals []asn1.RawValue `asn1:"explicit,tag:1,optional"`
}

// RevocationValues returns the CRLs and OCSP responses of a signer's
// revocation-values attribute (CAdES-X Long). Entries that do not parse
// are reported by the error, after those that do.
func RevocationValues(si *cms.SignerInfo) ([]*revocation.CRL, []*revocation.OCSPResponse, error) {
	vals, ok := si.UnsignedAttribute(OIDRevocationValues)
	if !ok {
		return nil, nil, nil
	}
	var crls []*revocation.CRL
	var ocsps []*revocation.OCSPResponse
	var first error
	for _, v := range vals {
		var rv revocationValues
		if rest, err := asn1.Unmarshal(v, &rv); err != nil || len(rest) != 0 {
			return crls, ocsps, fmt.Errorf("%w: revocation-values: %v", cms.ErrMalformed, err)
		}
		for _, c := range rv.CRLVals {
			l, err := revocation.ParseCRL(c.FullBytes)
			if err != nil {
				if first == nil {
					first = err
				}
				continue
			}
			crls = append(crls, l)
		}
		for _, o := range rv.OCSPVals {
			r, err := revocation.ParseBasicOCSPResponse(o.FullBytes)
			if err != nil {
				if first == nil {
					first = err
				}
				continue
			}
			ocsps = append(ocsps, r)
		}
	}
	return crls, ocsps, first
}

// CertificateValues returns the DER of the certificates of a signer's
// certificate-values attribute (CAdES-X Long).
func CertificateValues(si *cms.SignerInfo) ([][]byte, error) {
	vals, ok := si.UnsignedAttribute(OIDCertValues)
	if !ok {
		return nil, nil
	}
	var out [][]byte
	for _, v := range vals {
		var certs []asn1.RawValue
		if rest, err := asn1.Unmarshal(v, &certs); err != nil || len(rest) != 0 {
			return out, fmt.Errorf("%w: certificate-values: %v", cms.ErrMalformed, err)
		}
		for _, c := range certs {
			out = append(out, c.FullBytes)
		}
	}
	return out, nil
}

// Values are the certificate-values and revocation-values of one signer,
// parsed once for the several checks that read them (the paths, the
// revocation check, the complete references).
type Values struct {
	// Certificates is the DER of each certificate of certificate-values,
	// CertErr what CertificateValues reported.
	Certificates [][]byte
	CertErr      error
	// CRLs and OCSPResponses are those of revocation-values, RevErr what
	// RevocationValues reported.
	CRLs          []*revocation.CRL
	OCSPResponses []*revocation.OCSPResponse
	RevErr        error
}

// ReadValues parses the long-term values of si.
func ReadValues(si *cms.SignerInfo) *Values {
	v := &Values{}
	v.Certificates, v.CertErr = CertificateValues(si)
	v.CRLs, v.OCSPResponses, v.RevErr = RevocationValues(si)
	return v
}
