package cert

import (
	"bytes"
	"encoding/base64"
	"encoding/pem"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// maxInputSize bounds what ParseAll reads: a bundle of certificates is a
// few hundred kilobytes at most.
const maxInputSize = 16 << 20

// ParseAll parses every certificate in data, which may be PEM (one or more
// CERTIFICATE blocks; other blocks are skipped), DER (one or several
// certificates one after another), or bare base64 of DER, standard or
// URL-safe, with or without padding and line breaks. It fails with an error
// wrapping ErrMalformed when data holds no certificate or any certificate
// in it is malformed.
func ParseAll(data []byte) ([]*Certificate, error) {
	if len(data) > maxInputSize {
		return nil, fmt.Errorf("%w: input of %d bytes is too large", ErrMalformed, len(data))
	}
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return nil, fmt.Errorf("%w: empty input", ErrMalformed)
	case bytes.Contains(trimmed, []byte("-----BEGIN")):
		return parsePEM(trimmed)
	case data[0] == 0x30:
		return parseDERSequence(data)
	}
	der, err := decodeBase64(trimmed)
	if err != nil {
		return nil, err
	}
	return parseDERSequence(der)
}

func parsePEM(data []byte) ([]*Certificate, error) {
	var certs []*Certificate
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" && block.Type != "X509 CERTIFICATE" {
			continue
		}
		c, err := Parse(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d: %w", len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w: no CERTIFICATE block in PEM input", ErrMalformed)
	}
	return certs, nil
}

// parseDERSequence parses certificates encoded one after another.
func parseDERSequence(der []byte) ([]*Certificate, error) {
	var certs []*Certificate
	in := cryptobyte.String(der)
	for !in.Empty() {
		var elem cryptobyte.String
		if !in.ReadASN1Element(&elem, cbasn1.SEQUENCE) {
			return nil, fmt.Errorf("%w: certificate %d: not a DER SEQUENCE", ErrMalformed, len(certs)+1)
		}
		c, err := Parse(elem)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w: no certificate", ErrMalformed)
	}
	return certs, nil
}

// decodeBase64 decodes standard or URL-safe base64 with any whitespace
// and optional padding.
func decodeBase64(text []byte) ([]byte, error) {
	clean := make([]byte, 0, len(text))
	for _, b := range text {
		switch {
		case b == ' ' || b == '\t' || b == '\r' || b == '\n':
		case b == '-':
			clean = append(clean, '+')
		case b == '_':
			clean = append(clean, '/')
		default:
			clean = append(clean, b)
		}
	}
	clean = bytes.TrimRight(clean, "=")
	der, err := base64.RawStdEncoding.DecodeString(string(clean))
	if err != nil {
		return nil, fmt.Errorf("%w: neither DER, PEM nor base64: %v", ErrMalformed, err)
	}
	if len(der) == 0 || der[0] != 0x30 {
		return nil, fmt.Errorf("%w: base64 does not hold DER", ErrMalformed)
	}
	return der, nil
}
