package cms

import (
	"bytes"
	"encoding/asn1"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/zavera/zavera/cert"
)

// checkSigningCertificate checks signingCertificateV2 (RFC 5035) or, in
// older signatures, signingCertificate: the first ESSCertID must hash to
// the signer's certificate and, when it names one, its issuer and serial.
func checkSigningCertificate(r *SignerResult, si *SignerInfo, c *cert.Certificate) {
	if vals, ok := si.Attribute(oidAttrSigningCertV2); ok {
		if err := matchESSCertID(vals, c, true); err != nil {
			r.fail(CheckSigningCertificate, err)
			return
		}
		r.pass(CheckSigningCertificate, "signingCertificateV2")
		return
	}
	if vals, ok := si.Attribute(oidAttrSigningCertificate); ok {
		if err := matchESSCertID(vals, c, false); err != nil {
			r.fail(CheckSigningCertificate, err)
			return
		}
		r.pass(CheckSigningCertificate, "signingCertificate")
		return
	}
	r.skip(CheckSigningCertificate, "no signingCertificateV2 attribute")
}

func matchESSCertID(vals [][]byte, c *cert.Certificate, v2 bool) error {
	if len(vals) != 1 {
		return malformed("signing certificate attribute holds %d values", len(vals))
	}
	in := cryptobyte.String(vals[0])
	var sc, certs, id cryptobyte.String
	if !in.ReadASN1(&sc, cbasn1.SEQUENCE) || !in.Empty() ||
		!sc.ReadASN1(&certs, cbasn1.SEQUENCE) ||
		!certs.ReadASN1(&id, cbasn1.SEQUENCE) {
		return malformed("bad signing certificate attribute")
	}
	d := digestSHA1
	if v2 {
		d = digestSHA256
		if id.PeekASN1Tag(cbasn1.SEQUENCE) {
			var alg cryptobyte.String
			var oid asn1.ObjectIdentifier
			if !id.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) {
				return malformed("bad ESSCertIDv2 hashAlgorithm")
			}
			var err error
			if d, err = digestByOID(oid); err != nil {
				return err
			}
		}
	}
	var certHash []byte
	if !id.ReadASN1Bytes(&certHash, cbasn1.OCTET_STRING) {
		return malformed("bad ESSCertID certHash")
	}
	if !bytes.Equal(certDigest(d, c), certHash) {
		return fmt.Errorf("%w: %s of the certificate differs from certHash", ErrSigningCertificate, d.name)
	}
	if id.Empty() {
		return nil
	}
	var is, names cryptobyte.String
	serial := new(big.Int)
	if !id.ReadASN1(&is, cbasn1.SEQUENCE) || !id.Empty() ||
		!is.ReadASN1(&names, cbasn1.SEQUENCE) || !is.ReadASN1Integer(serial) || !is.Empty() {
		return malformed("bad ESSCertID issuerSerial")
	}
	if c.SerialNumber == nil || serial.Cmp(c.SerialNumber) != 0 {
		return fmt.Errorf("%w: issuerSerial names serial %x", ErrSigningCertificate, serial)
	}
	for !names.Empty() {
		var gn cryptobyte.String
		var tag cbasn1.Tag
		if !names.ReadAnyASN1(&gn, &tag) {
			return malformed("bad GeneralNames in issuerSerial")
		}
		if tag == cbasn1.Tag(4).ContextSpecific().Constructed() && bytes.Equal(gn, c.RawIssuer) {
			return nil
		}
	}
	return fmt.Errorf("%w: issuerSerial names another issuer", ErrSigningCertificate)
}

// checkAlgorithmProtection applies RFC 6211: the algorithms named in the
// CMSAlgorithmProtection attribute must be those of the SignerInfo.
func checkAlgorithmProtection(r *SignerResult, si *SignerInfo) {
	vals, ok := si.Attribute(oidAttrAlgorithmProtection)
	if !ok {
		return
	}
	fail := func(err error) { r.fail(CheckAlgorithmProtection, err) }
	if len(vals) != 1 {
		fail(malformed("CMSAlgorithmProtection holds %d values", len(vals)))
		return
	}
	in := cryptobyte.String(vals[0])
	var seq, dig cryptobyte.String
	var digOID asn1.ObjectIdentifier
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() ||
		!seq.ReadASN1(&dig, cbasn1.SEQUENCE) || !dig.ReadASN1ObjectIdentifier(&digOID) {
		fail(malformed("bad CMSAlgorithmProtection"))
		return
	}
	if !digOID.Equal(si.DigestAlgorithm.Algorithm) {
		fail(fmt.Errorf("%w: digest %v, SignerInfo has %v", ErrAlgorithmProtection, digOID, si.DigestAlgorithm.Algorithm))
		return
	}
	var sig cryptobyte.String
	var present bool
	if !seq.ReadOptionalASN1(&sig, &present, cbasn1.Tag(1).ContextSpecific().Constructed()) {
		fail(malformed("bad CMSAlgorithmProtection signatureAlgorithm"))
		return
	}
	if present {
		var sigOID asn1.ObjectIdentifier
		if !sig.ReadASN1ObjectIdentifier(&sigOID) {
			fail(malformed("bad CMSAlgorithmProtection signatureAlgorithm"))
			return
		}
		if !sigOID.Equal(si.SignatureAlgorithm.Algorithm) {
			fail(fmt.Errorf("%w: signature %v, SignerInfo has %v", ErrAlgorithmProtection, sigOID, si.SignatureAlgorithm.Algorithm))
			return
		}
	}
	r.pass(CheckAlgorithmProtection, "")
}

// certDigest hashes the certificate's DER with d, from the hashes a
// parsed certificate keeps when d is one of them.
func certDigest(d *digestAlgorithm, c *cert.Certificate) []byte {
	switch d {
	case digestStreebog256:
		h := c.ThumbprintStreebog()
		return h[:]
	case digestSHA1:
		h := c.ThumbprintSHA1()
		return h[:]
	}
	h := d.new()
	h.Write(c.Raw)
	return h.Sum(nil)
}
