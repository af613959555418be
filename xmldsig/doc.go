// Package xmldsig makes and checks XML signatures (XMLDSig) with GOST
// R 34.10-2012 keys and GOST R 34.11-2012 digests under CryptoPro's
// algorithm identifiers, as SMEV and CryptoPro's SignedXML use them.
//
// # Signing
//
// Prepare builds the signature of a document up to its value and gives
// the digest the key must sign; Finish writes the value and the signer's
// certificate (KeyInfo/X509Data/X509Certificate). The two steps let the
// caller show the user what is signed and sign with a key on a token in
// between. Three layouts (Type): Enveloped adds the Signature as the last
// child of the root element, with one Reference URI="" and the
// transforms enveloped-signature and Exclusive XML Canonicalization;
// Enveloping makes a ds:Signature whose ds:Object holds the document's
// root element, referenced by its Id; Template fills in the first
// Signature of the document whose SignatureValue is empty, computing the
// digests of its references. The rest of the document is kept byte for
// byte: the signature is inserted into, or filled in, the text as given.
//
// # Verifying
//
// Verify checks every Signature of a document: the digest of each
// reference and the signature over SignedInfo, with the key of the
// certificate in KeyInfo. It does not check the certificate (chain,
// validity, revocation): the caller does, with package cert.
//
// # What is supported
//
// Canonical XML 1.0 and Exclusive XML Canonicalization 1.0, with and
// without comments (no InclusiveNamespaces prefix list); references to
// the whole document (URI "") and to an element by Id, ID, id or wsu:Id
// (an Id found twice is refused); the enveloped-signature transform and
// SMEV 3's own transform (urn://smev-gov-ru/xmldsig/transform, see
// SMEVTransform); GOST R 34.10-2012 256 and 512 with GOST R 34.11-2012.
// Not supported: GOST R 34.10-2001 and other algorithms, XPath and XSLT
// transforms, external URIs, and documents with a document type declaration (no entity is
// ever expanded) or with literal tabs or line breaks in attribute values
// (the parser used, encoding/xml, does not normalise them as XML
// requires, so their canonical form could be wrong). The signature value
// is BE(s) || BE(r), as in CMS and as OpenSSL and SMEV write it.
//
// # Interoperability
//
// The tests check signatures made here with code written elsewhere:
// libxml2's canonicalization (xmllint --exc-c14n) of the signed document
// and of SignedInfo, hashed and verified by OpenSSL with the GOST engine;
// and they verify a real SMEV 3 message signed by SMEV's software
// (testdata). Debian's xmlsec1 (1.2.37) cannot serve as the reference: it
// is built without GOST in all its back ends (OpenSSL, GnuTLS, NSS,
// gcrypt), also with OpenSSL's GOST engine loaded.
//
// # Bounds and concurrency
//
// Documents are parsed whole, at most 2^20 nodes and 256 levels deep;
// at most 100 signatures and 100 references a signature are checked.
// Functions keep no state and are safe for concurrent use; a Prepared
// belongs to one caller.
package xmldsig
