package cms

import (
	"bytes"
	"fmt"
	"io"
)

// AddSigner adds a SignerInfo by s to an existing signature (a leader's
// and an accountant's signatures on one document), returning the new
// SignedData. Every part of the original (its signers, certificates,
// revocation data and encapsulated content) is copied byte for byte, BER
// included, so the first signatures stay valid.
//
// For a detached signature content is the document; for an attached one
// content must be nil and the signature's own content is signed.
func AddSigner(signature []byte, content io.Reader, s Signer, opts *Options) ([]byte, error) {
	if opts == nil {
		opts = &Options{}
	}
	sd, err := ParseAny(signature)
	if err != nil {
		return nil, err
	}
	prof, err := s.profile(opts)
	if err != nil {
		return nil, err
	}
	h := prof.digest.new()
	switch {
	case !sd.Detached && content != nil:
		return nil, fmt.Errorf("%w: the signature carries its content; pass nil", ErrInvalidArgument)
	case !sd.Detached:
		h.Write(sd.Content)
	case content == nil:
		return nil, ErrNoContent
	default:
		if _, err := io.Copy(h, content); err != nil {
			return nil, fmt.Errorf("cms: reading content: %w", err)
		}
	}
	return addSigner(sd, h.Sum(nil), prof, s, opts)
}

// AddSignerDigest is AddSigner for a detached signature whose content the
// caller hashed (see SignDigest).
func AddSignerDigest(signature, digest []byte, s Signer, opts *Options) ([]byte, error) {
	if opts == nil {
		opts = &Options{}
	}
	sd, err := ParseAny(signature)
	if err != nil {
		return nil, err
	}
	prof, err := s.profile(opts)
	if err != nil {
		return nil, err
	}
	if len(digest) != prof.digest.size {
		return nil, fmt.Errorf("%w: digest of %d bytes, %s needs %d", ErrInvalidArgument, len(digest), prof.digest.name, prof.digest.size)
	}
	if !sd.Detached {
		h := prof.digest.new()
		h.Write(sd.Content)
		if !bytes.Equal(h.Sum(nil), digest) {
			return nil, fmt.Errorf("%w: the digest given is not that of the signature's content", ErrMessageDigest)
		}
	}
	return addSigner(sd, digest, prof, s, opts)
}

func addSigner(sd *SignedData, digest []byte, prof *keyProfile, s Signer, opts *Options) ([]byte, error) {
	// Only documents are co-signed: a signature of another type (a login)
	// is its signer's alone, and no co-signer can give a document
	// another type.
	if !sd.ContentType.Equal(oidDataOID) {
		return nil, fmt.Errorf("%w: co-signing content of type %v", ErrInvalidArgument, sd.ContentType)
	}
	if ct, err := opts.contentType(); err != nil {
		return nil, err
	} else if ct != nil {
		return nil, fmt.Errorf("%w: a co-signer signs id-data, not %v", ErrInvalidArgument, opts.ContentType)
	}
	si, err := s.signerInfo(digest, prof, opts)
	if err != nil {
		return nil, err
	}
	parts := &signedParts{
		version: max(sd.Version, 1),
		encap:   sd.rawEncapContentInfo,
		crls:    sd.rawCRLs,
	}
	parts.digestAlgs = append(parts.digestAlgs, sd.rawDigestAlgorithms...)
	parts.addDigestAlgorithm(prof.digest)
	parts.certs = append(parts.certs, sd.rawCertificates...)
	s.addCertificates(parts, opts)
	for _, old := range sd.SignerInfos {
		parts.signerInfos = append(parts.signerInfos, old.Raw)
	}
	parts.signerInfos = append(parts.signerInfos, si)
	return parts.marshal()
}
