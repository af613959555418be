package cpcontainer

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/zavera/zavera/keyfile"
)

// The files of a container folder.
const (
	fileHeader   = "header.key"
	fileName     = "name.key"
	fileMasks    = "masks.key"
	filePrimary  = "primary.key"
	fileMasks2   = "masks2.key"
	filePrimary2 = "primary2.key"
)

// Size limits: header.key holds a certificate, the others a few dozen
// bytes.
const (
	maxHeaderSize = 64 << 10
	maxSmallSize  = 1 << 10
	maxSaltSize   = 64
	fpSize        = 8
)

// Object identifiers found in header.key.
var (
	oidAgree2012256 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 6, 1}
	oidAgree2012512 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 6, 2}
	oidSign2012256  = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 1}
	oidSign2012512  = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 2}
	oidSign2001     = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 19}
	oidAgree2001    = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 98}
	oidDigest94     = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 30, 1}
	oidDigest256    = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 2}
	oidDigest512    = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 3}
	// oidContainer is the container algorithm CSP 4 and 5 write first in
	// header.key.
	oidContainer = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 37, 2, 1}
)

// header is what header.key says about the primary key.
type header struct {
	keyOID    asn1.ObjectIdentifier
	curveOID  asn1.ObjectIdentifier
	digestOID asn1.ObjectIdentifier
	fp        []byte // first bytes of LE(X) of the public key
	cert      []byte // DER, nil when the container holds none
	name      string // containerName, "" when absent
}

// slot is one copy of the encrypted key: primary.key with masks.key, or
// the reserve primary2.key with masks2.key.
type slot struct {
	mask []byte
	salt []byte
	key  []byte
}

func damaged(file, format string, a ...any) error {
	return fmt.Errorf("%w: %s: %s", keyfile.ErrDamaged, file, fmt.Sprintf(format, a...))
}

// readFile reads a container file of at most max bytes.
func readFile(dir, name string, max int64) ([]byte, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s is missing", keyfile.ErrDamaged, name)
		}
		return nil, fmt.Errorf("cpcontainer: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("cpcontainer: %s: %w", name, err)
	}
	if int64(len(data)) > max {
		return nil, damaged(name, "longer than %d bytes", max)
	}
	return data, nil
}

// parseHeader reads header.key: SEQUENCE { content SEQUENCE, mac OCTET
// STRING }. Only the fields the key needs are interpreted; unknown ones
// are skipped.
func parseHeader(data []byte) (*header, error) {
	in := cryptobyte.String(data)
	var top, content, mac cryptobyte.String
	if !in.ReadASN1(&top, cbasn1.SEQUENCE) || !in.Empty() ||
		!top.ReadASN1(&content, cbasn1.SEQUENCE) || !top.ReadASN1(&mac, cbasn1.OCTET_STRING) || !top.Empty() {
		return nil, damaged(fileHeader, "not a key container header")
	}
	h := &header{}
	seenParams := false
	for !content.Empty() {
		var el cryptobyte.String
		var tag cbasn1.Tag
		if !content.ReadAnyASN1(&el, &tag) {
			return nil, damaged(fileHeader, "malformed content")
		}
		switch tag {
		case cbasn1.IA5String, cbasn1.UTF8String, cbasn1.PrintableString:
			h.name = string(el)
		case cbasn1.SEQUENCE:
			if seenParams {
				continue
			}
			if err := h.parseKeyParams(el); err != nil {
				return nil, err
			}
			seenParams = true
		case cbasn1.Tag(5).ContextSpecific(), cbasn1.Tag(5).ContextSpecific().Constructed():
			// The certificate, its DER directly under the tag.
			cert := el
			var c cryptobyte.String
			if !cert.ReadASN1Element(&c, cbasn1.SEQUENCE) || !cert.Empty() {
				return nil, damaged(fileHeader, "malformed certificate")
			}
			h.cert = append([]byte(nil), c...)
		case cbasn1.Tag(10).ContextSpecific():
			h.fp = append([]byte(nil), el...)
		}
	}
	if !seenParams {
		return nil, damaged(fileHeader, "no key parameters")
	}
	if len(h.fp) != fpSize {
		return nil, damaged(fileHeader, "no public key fingerprint")
	}
	return h, nil
}

// parseKeyParams reads primaryPrivateKeyParameters: SEQUENCE { attributes
// BIT STRING, [0] { algorithm OID, SEQUENCE { curve OID, digest OID, ... } } }.
func (h *header) parseKeyParams(s cryptobyte.String) error {
	var attrs asn1.BitString
	var alg, params cryptobyte.String
	if !s.ReadASN1BitString(&attrs) ||
		!s.ReadASN1(&alg, cbasn1.Tag(0).ContextSpecific().Constructed()) ||
		!alg.ReadASN1ObjectIdentifier(&h.keyOID) {
		return damaged(fileHeader, "malformed key parameters")
	}
	if alg.Empty() {
		return damaged(fileHeader, "no key parameter set")
	}
	if !alg.ReadASN1(&params, cbasn1.SEQUENCE) || !params.ReadASN1ObjectIdentifier(&h.curveOID) {
		return damaged(fileHeader, "malformed key parameter set")
	}
	if params.PeekASN1Tag(cbasn1.OBJECT_IDENTIFIER) && !params.ReadASN1ObjectIdentifier(&h.digestOID) {
		return damaged(fileHeader, "malformed digest identifier")
	}
	return nil
}

// parseName reads name.key: SEQUENCE { IA5String }.
func parseName(data []byte) (string, error) {
	in := cryptobyte.String(data)
	var seq, name cryptobyte.String
	var tag cbasn1.Tag
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() || !seq.ReadAnyASN1(&name, &tag) {
		return "", damaged(fileName, "not a container name")
	}
	switch tag {
	case cbasn1.IA5String, cbasn1.UTF8String, cbasn1.PrintableString:
		return string(name), nil
	}
	return "", damaged(fileName, "name of an unknown type")
}

// parseMasks reads masks.key: SEQUENCE { mask OCTET STRING, salt OCTET
// STRING, mac OCTET STRING }.
func parseMasks(file string, data []byte, size int) (mask, salt []byte, err error) {
	in := cryptobyte.String(data)
	var seq, m, s, mac cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() ||
		!seq.ReadASN1(&m, cbasn1.OCTET_STRING) || !seq.ReadASN1(&s, cbasn1.OCTET_STRING) ||
		!seq.ReadASN1(&mac, cbasn1.OCTET_STRING) {
		return nil, nil, damaged(file, "not a mask file")
	}
	if len(m) != size {
		return nil, nil, damaged(file, "mask of %d bytes for a %d-byte key", len(m), size)
	}
	if len(s) == 0 || len(s) > maxSaltSize {
		return nil, nil, damaged(file, "salt of %d bytes", len(s))
	}
	return append([]byte(nil), m...), append([]byte(nil), s...), nil
}

// parsePrimary reads primary.key: SEQUENCE { key OCTET STRING, ... }.
func parsePrimary(file string, data []byte, size int) ([]byte, error) {
	in := cryptobyte.String(data)
	var seq, k cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() || !seq.ReadASN1(&k, cbasn1.OCTET_STRING) {
		return nil, damaged(file, "not a key file")
	}
	if len(k) != size {
		return nil, damaged(file, "key of %d bytes, want %d", len(k), size)
	}
	return append([]byte(nil), k...), nil
}

// readSlot reads one copy of the encrypted key.
func readSlot(dir, primaryFile, masksFile string, size int) (*slot, error) {
	pdata, err := readFile(dir, primaryFile, maxSmallSize)
	if err != nil {
		return nil, err
	}
	key, err := parsePrimary(primaryFile, pdata, size)
	clear(pdata)
	if err != nil {
		return nil, err
	}
	mdata, err := readFile(dir, masksFile, maxSmallSize)
	if err != nil {
		return nil, err
	}
	mask, salt, err := parseMasks(masksFile, mdata, size)
	clear(mdata)
	if err != nil {
		return nil, err
	}
	return &slot{mask: mask, salt: salt, key: key}, nil
}

func (s *slot) wipe() {
	if s != nil {
		clear(s.mask)
		clear(s.key)
	}
}
