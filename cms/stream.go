package cms

import (
	"bufio"
	"fmt"
	"io"
)

// streamChunk is the size of each OCTET STRING segment of streamed content.
const streamChunk = 64 << 10

// SignTo writes a CAdES-BES signature to w while it reads content, so that
// an attached signature of any size is made in constant memory. The
// attached form is BER, as RFC 5652 allows and CryptoPro writes: the
// enclosing structures use indefinite lengths and the content is a
// constructed OCTET STRING of 64 KiB segments; the signer's part is DER.
// Without Options.Attached it writes the same DER as Sign.
func SignTo(w io.Writer, content io.Reader, s Signer, opts *Options) error {
	if opts == nil {
		opts = &Options{}
	}
	if !opts.Attached {
		sig, err := Sign(content, s, opts)
		if err != nil {
			return err
		}
		_, err = w.Write(sig)
		return err
	}
	prof, err := s.profile(opts)
	if err != nil {
		return err
	}
	ct, err := opts.contentType()
	if err != nil {
		return err
	}
	parts := &signedParts{version: versionFor(ct), contentType: ct}
	parts.addDigestAlgorithm(prof.digest)
	s.addCertificates(parts, opts)

	bw := bufio.NewWriterSize(w, 16<<10)
	var hdr []byte
	hdr = append(hdr, 0x30, 0x80) // ContentInfo
	hdr = appendHeader(hdr, classUniversal, tagOID, false, len(oidSignedDataDER))
	hdr = append(hdr, oidSignedDataDER...)
	hdr = append(hdr, 0xa0, 0x80)                      // [0] EXPLICIT
	hdr = append(hdr, 0x30, 0x80)                      // SignedData
	hdr = append(hdr, 0x02, 0x01, byte(parts.version)) // version
	hdr = appendHeader(hdr, classUniversal, tagSet, true, len(parts.digestAlgs[0]))
	hdr = append(hdr, parts.digestAlgs[0]...)
	hdr = append(hdr, 0x30, 0x80) // EncapsulatedContentInfo
	hdr = appendHeader(hdr, classUniversal, tagOID, false, len(parts.eContentType()))
	hdr = append(hdr, parts.eContentType()...)
	hdr = append(hdr, 0xa0, 0x80, 0x24, 0x80) // [0] EXPLICIT, constructed OCTET STRING
	if _, err := bw.Write(hdr); err != nil {
		return err
	}
	h := prof.digest.new()
	buf := make([]byte, streamChunk)
	for {
		n, rerr := io.ReadFull(content, buf)
		if n > 0 {
			h.Write(buf[:n])
			if _, err := bw.Write(appendHeader(nil, classUniversal, tagOctetString, false, n)); err != nil {
				return err
			}
			if _, err := bw.Write(buf[:n]); err != nil {
				return err
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return fmt.Errorf("cms: reading content: %w", rerr)
		}
	}
	si, err := s.signerInfo(h.Sum(nil), prof, opts)
	if err != nil {
		return err
	}
	var tail []byte
	tail = append(tail, 0, 0, 0, 0, 0, 0) // OCTET STRING, [0], EncapsulatedContentInfo
	var certs []byte
	parts.sort()
	for _, c := range parts.certs {
		certs = append(certs, c...)
	}
	tail = appendHeader(tail, classContext, 0, true, len(certs))
	tail = append(tail, certs...)
	tail = appendHeader(tail, classUniversal, tagSet, true, len(si))
	tail = append(tail, si...)
	tail = append(tail, 0, 0, 0, 0, 0, 0) // SignedData, [0], ContentInfo
	if _, err := bw.Write(tail); err != nil {
		return err
	}
	return bw.Flush()
}
