/*
 * verifybench-ossl: OpenSSL's CMS with the GOST engine in one process, the
 * reference for the verification throughput of package validate.
 *
 * Usage: verifybench-ossl SIGNATURE.der CONTENT CA.pem ATTIME SECONDS [xlong EXTRA.pem]
 *
 * Parses the DER of a detached CAdES-BES signature and runs CMS_verify
 * (CMS_BINARY | CMS_CADES, chain to CA, purpose any, certificates checked
 * at ATTIME seconds since the epoch, now when 0, not at all when -1: for
 * old signatures whose certificates have expired) against CONTENT, in a
 * loop for SECONDS of the process's CPU time. Prints one line:
 * "<operations> <CPU seconds>". The engine comes from the configuration
 * OPENSSL_CONF names; loading it is not timed.
 *
 * With "xlong", each operation also does what a CAdES-X Long Type 1
 * validation checks beyond the CMS signature, offline, with the same
 * anchors and the certificates of EXTRA.pem, the signature's and its
 * certificate-values as untrusted ones: it verifies every
 * signature-time-stamp token against the signature value and every
 * CAdES-C time-stamp (escTimeStamp) token against the signature value,
 * signature-time-stamp and complete references (TS_RESP_verify_token:
 * TSA signature, ESS signing certificate, the TSA's chain to the anchors,
 * version and message imprint over the data), and every OCSP response of
 * the revocation-values (OCSP_basic_verify: signature, the responder's
 * chain and authorization), whose status for the signer's certificate must
 * be good. It does not check the complete references against the values,
 * nor the revocation of the CA certificates, nor any time against the
 * validity periods.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#define HARNESS_NAME "verifybench-ossl"
#include "harness.h"

/* Reads a file of PEM certificates. */
static STACK_OF(X509) *read_certs(const char *path)
{
	BIO *in = BIO_new_file(path, "r");
	if (in == NULL)
		die(path);
	STACK_OF(X509) *out = sk_X509_new_null();
	X509 *c;
	while ((c = PEM_read_bio_X509(in, NULL, NULL, NULL)) != NULL)
		sk_X509_push(out, c);
	ERR_clear_error();
	BIO_free(in);
	return out;
}

/* The first unsigned attribute of si of type nid, or NULL. */
static X509_ATTRIBUTE *unsigned_attr(CMS_SignerInfo *si, int nid)
{
	int loc = CMS_unsigned_get_attr_by_NID(si, nid, -1);
	return loc < 0 ? NULL : CMS_unsigned_get_attr(si, loc);
}

/* Steps into the DER element at *p, which must have the given class and
 * tag: *p then points at its content and the return value is the
 * content's length, -1 when the element is not as expected. */
static long der_enter(const unsigned char **p, long left, int xclass, int tag)
{
	long len;
	int t, c;
	int r = ASN1_get_object(p, &len, &t, &c, left);
	if ((r & 0x80) || t != tag || c != xclass)
		return -1;
	return len;
}

/* Appends to buf the content of the DER of attr's SEQUENCE: its type and
 * its SET of values, as the CAdES-C time-stamp covers them. */
static void append_attr(unsigned char **buf, long *len, X509_ATTRIBUTE *attr)
{
	unsigned char *der = NULL;
	int n = i2d_X509_ATTRIBUTE(attr, &der);
	if (n <= 0)
		die("i2d_X509_ATTRIBUTE");
	const unsigned char *p = der;
	long clen = der_enter(&p, n, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE);
	if (clen < 0)
		die("attribute");
	*buf = realloc(*buf, (size_t)(*len + clen));
	if (*buf == NULL)
		die("realloc");
	memcpy(*buf + *len, p, (size_t)clen);
	*len += clen;
	OPENSSL_free(der);
}

/* Parses the time-stamp token that value holds and adds its certificates
 * to pool: a TSA's certificate may come with another of the signer's
 * tokens only. */
static PKCS7 *read_token(const ASN1_TYPE *value, STACK_OF(X509) *pool)
{
	if (value == NULL || value->type != V_ASN1_SEQUENCE)
		die("time-stamp attribute");
	const unsigned char *p = value->value.sequence->data;
	PKCS7 *tok = d2i_PKCS7(NULL, &p, value->value.sequence->length);
	if (tok == NULL || !PKCS7_type_is_signed(tok))
		die("d2i_PKCS7");
	STACK_OF(X509) *certs = tok->d.sign->cert;
	for (int i = 0; i < sk_X509_num(certs); i++) {
		X509 *c = sk_X509_value(certs, i);
		X509_up_ref(c);
		sk_X509_push(pool, c);
	}
	return tok;
}

/* Verifies a time-stamp token against data, and frees it. */
static void verify_token(PKCS7 *tok, const unsigned char *data, long dlen, X509_STORE *store, STACK_OF(X509) *pool)
{
	TS_VERIFY_CTX *ctx = TS_VERIFY_CTX_new();
	if (ctx == NULL)
		die("TS_VERIFY_CTX_new");
	/* The context frees what it is given. */
	X509_STORE_up_ref(store);
	TS_VERIFY_CTX_set_store(ctx, store);
	TS_VERIFY_CTX_set_certs(ctx, X509_chain_up_ref(pool));
	TS_VERIFY_CTX_set_data(ctx, BIO_new_mem_buf(data, (int)dlen));
	TS_VERIFY_CTX_set_flags(ctx, TS_VFY_SIGNATURE | TS_VFY_VERSION | TS_VFY_DATA);
	if (TS_RESP_verify_token(ctx, tok) != 1)
		die("TS_RESP_verify_token");
	TS_VERIFY_CTX_free(ctx);
	PKCS7_free(tok);
}

/* Verifies every OCSP response of the revocation-values attr and checks
 * that it says the certificate of serial is good. */
static void verify_ocsp(X509_ATTRIBUTE *attr, const ASN1_INTEGER *serial, X509_STORE *store, STACK_OF(X509) *pool)
{
	ASN1_TYPE *v = X509_ATTRIBUTE_get0_type(attr, 0);
	if (v == NULL || v->type != V_ASN1_SEQUENCE)
		die("revocation-values");
	const unsigned char *p = v->value.sequence->data;
	long left = der_enter(&p, v->value.sequence->length, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE);
	if (left < 0)
		die("RevocationValues");
	const unsigned char *end = p + left;
	int found = 0;
	while (p < end) {
		long len;
		int tag, xclass;
		if (ASN1_get_object(&p, &len, &tag, &xclass, end - p) & 0x80)
			die("RevocationValues field");
		if (xclass != V_ASN1_CONTEXT_SPECIFIC || tag != 1) {
			p += len;
			continue;
		}
		/* ocspVals [1] SEQUENCE OF BasicOCSPResponse */
		const unsigned char *q = p;
		long listLen = der_enter(&q, len, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE);
		if (listLen < 0)
			die("ocspVals");
		const unsigned char *listEnd = q + listLen;
		while (q < listEnd) {
			OCSP_BASICRESP *bs = d2i_OCSP_BASICRESP(NULL, &q, listEnd - q);
			if (bs == NULL)
				die("d2i_OCSP_BASICRESP");
			if (OCSP_basic_verify(bs, pool, store, 0) != 1)
				die("OCSP_basic_verify");
			for (int i = 0; i < OCSP_resp_count(bs); i++) {
				OCSP_SINGLERESP *single = OCSP_resp_get0(bs, i);
				ASN1_INTEGER *sn = NULL;
				OCSP_id_get0_info(NULL, NULL, NULL, &sn, (OCSP_CERTID *)OCSP_SINGLERESP_get0_id(single));
				if (sn == NULL || ASN1_INTEGER_cmp(sn, serial) != 0)
					continue;
				if (OCSP_single_get0_status(single, NULL, NULL, NULL, NULL) != V_OCSP_CERTSTATUS_GOOD)
					die("the signer's certificate is not good");
				found = 1;
			}
			OCSP_BASICRESP_free(bs);
		}
		p += len;
	}
	if (!found)
		die("no OCSP response for the signer's certificate");
}

/* Does what a CAdES-X Long Type 1 validation checks beyond CMS_verify. */
static void verify_xlong(CMS_ContentInfo *cms, X509_STORE *store, STACK_OF(X509) *extra)
{
	CMS_SignerInfo *si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	if (si == NULL)
		die("no signer");
	STACK_OF(X509) *pool = CMS_get1_certs(cms);
	if (pool == NULL)
		pool = sk_X509_new_null();
	for (int i = 0; i < sk_X509_num(extra); i++) {
		X509 *c = sk_X509_value(extra, i);
		X509_up_ref(c);
		sk_X509_push(pool, c);
	}
	X509_ATTRIBUTE *vals = unsigned_attr(si, NID_id_smime_aa_ets_certValues);
	if (vals != NULL) {
		ASN1_TYPE *v = X509_ATTRIBUTE_get0_type(vals, 0);
		if (v == NULL || v->type != V_ASN1_SEQUENCE)
			die("certificate-values");
		const unsigned char *p = v->value.sequence->data;
		long left = der_enter(&p, v->value.sequence->length, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE);
		if (left < 0)
			die("CertificateValues");
		const unsigned char *end = p + left;
		while (p < end) {
			X509 *c = d2i_X509(NULL, &p, end - p);
			if (c == NULL)
				die("certificate-values certificate");
			sk_X509_push(pool, c);
		}
	}

	X509 *signer = NULL;
	if (CMS_SignerInfo_get0_signer_id(si, NULL, NULL, NULL) != 1)
		die("signer id");
	for (int i = 0; i < sk_X509_num(pool) && signer == NULL; i++)
		if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(pool, i)) == 0)
			signer = sk_X509_value(pool, i);
	if (signer == NULL)
		die("no signer certificate");

	ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);
	X509_ATTRIBUTE *ts = unsigned_attr(si, NID_id_smime_aa_timeStampToken);
	X509_ATTRIBUTE *esc = unsigned_attr(si, NID_id_smime_aa_ets_escTimeStamp);
	X509_ATTRIBUTE *crefs = unsigned_attr(si, NID_id_smime_aa_ets_CertificateRefs);
	X509_ATTRIBUTE *rrefs = unsigned_attr(si, NID_id_smime_aa_ets_RevocationRefs);
	if (ts == NULL || esc == NULL || crefs == NULL || rrefs == NULL)
		die("no time-stamps or references");
	int nts = X509_ATTRIBUTE_count(ts), nesc = X509_ATTRIBUTE_count(esc);
	if (nts > 8 || nesc > 8)
		die("too many time-stamps");
	PKCS7 *toks[8], *escToks[8];
	for (int i = 0; i < nts; i++)
		toks[i] = read_token(X509_ATTRIBUTE_get0_type(ts, i), pool);
	for (int i = 0; i < nesc; i++)
		escToks[i] = read_token(X509_ATTRIBUTE_get0_type(esc, i), pool);

	for (int i = 0; i < nts; i++)
		verify_token(toks[i], sig->data, sig->length, store, pool);
	long dlen = sig->length;
	unsigned char *data = malloc((size_t)dlen);
	if (data == NULL)
		die("malloc");
	memcpy(data, sig->data, (size_t)dlen);
	append_attr(&data, &dlen, ts);
	append_attr(&data, &dlen, crefs);
	append_attr(&data, &dlen, rrefs);
	for (int i = 0; i < nesc; i++)
		verify_token(escToks[i], data, dlen, store, pool);
	free(data);

	X509_ATTRIBUTE *revs = unsigned_attr(si, NID_id_smime_aa_ets_revocationValues);
	if (revs == NULL)
		die("no revocation-values");
	verify_ocsp(revs, X509_get0_serialNumber(signer), store, pool);
	sk_X509_pop_free(pool, X509_free);
}

int main(int argc, char **argv)
{
	int xlong = argc == 8 && strcmp(argv[6], "xlong") == 0;
	if (argc != 6 && !xlong) {
		fprintf(stderr, "usage: verifybench-ossl SIGNATURE.der CONTENT CA.pem ATTIME SECONDS [xlong EXTRA.pem]\n");
		return 2;
	}
	double seconds = atof(argv[5]);
	long long attime = atoll(argv[4]);

	if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG | OPENSSL_INIT_ENGINE_ALL_BUILTIN, NULL) != 1)
		die("OPENSSL_init_crypto");
	X509_STORE *store = X509_STORE_new();
	if (store == NULL || X509_STORE_load_file(store, argv[3]) != 1)
		die("CA file");
	X509_STORE_set_purpose(store, X509_PURPOSE_ANY);
	if (attime == -1)
		X509_STORE_set_flags(store, X509_V_FLAG_NO_CHECK_TIME);
	else if (attime != 0)
		X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), (time_t)attime);
	STACK_OF(X509) *extra = xlong ? read_certs(argv[7]) : NULL;
	long siglen, clen;
	unsigned char *der = read_file(argv[1], &siglen);
	unsigned char *content = read_file(argv[2], &clen);

	long ops = 0;
	double start = cpu_now(), elapsed;
	do {
		const unsigned char *p = der;
		CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, siglen);
		if (cms == NULL)
			die("d2i_CMS_ContentInfo");
		BIO *in = BIO_new_mem_buf(content, (int)clen);
		if (CMS_verify(cms, NULL, store, in, NULL, CMS_BINARY | CMS_CADES) != 1)
			die("CMS_verify");
		if (xlong)
			verify_xlong(cms, store, extra);
		BIO_free(in);
		CMS_ContentInfo_free(cms);
		ops++;
	} while ((elapsed = cpu_now() - start) < seconds);
	printf("%ld %.6f\n", ops, elapsed);
	X509_STORE_free(store);
	if (extra != NULL)
		sk_X509_pop_free(extra, X509_free);
	free(der);
	free(content);
	return 0;
}
