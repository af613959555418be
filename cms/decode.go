package cms

import (
	"bytes"
	"encoding/base64"
	"encoding/pem"
)

// Decode returns the binary (BER or DER) form of a signature given as DER,
// PEM (any label: CMS, PKCS7, SIGNED MESSAGE), bare base64 or URL-safe
// base64, with or without padding and line breaks.
func Decode(data []byte) ([]byte, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, malformed("empty input")
	}
	if trimmed[0] == 0x30 {
		return data, nil
	}
	if bytes.HasPrefix(trimmed, []byte("-----BEGIN")) {
		block, _ := pem.Decode(trimmed)
		if block == nil {
			return nil, malformed("bad PEM armour")
		}
		return block.Bytes, nil
	}
	compact := make([]byte, 0, len(trimmed))
	for _, c := range trimmed {
		switch c {
		case ' ', '\t', '\r', '\n':
		default:
			compact = append(compact, c)
		}
	}
	url := bytes.ContainsAny(compact, "-_")
	s := string(bytes.TrimRight(compact, "="))
	enc := base64.RawStdEncoding
	if url {
		enc = base64.RawURLEncoding
	}
	out, err := enc.DecodeString(s)
	if err != nil {
		return nil, malformed("neither DER, PEM nor base64: %v", err)
	}
	if len(out) == 0 || out[0] != 0x30 {
		return nil, malformed("decoded base64 is not a SEQUENCE")
	}
	return out, nil
}

// ParseAny decodes data in any format Decode accepts and parses it.
func ParseAny(data []byte) (*SignedData, error) {
	der, err := Decode(data)
	if err != nil {
		return nil, err
	}
	return Parse(der)
}
