/*
 * cmsbench-ossl: OpenSSL's CMS with the GOST engine as the reference for
 * Zavera's CAdES-BES signing and verification speed.
 *
 * Usage: cmsbench-ossl sign|verify CERT KEY CA CONTENT SECONDS
 *
 * sign:   CMS_sign(CMS_DETACHED | CMS_BINARY | CMS_CADES) over CONTENT with
 *         CERT and KEY, then DER encoding, in a loop for SECONDS.
 * verify: parses the DER of one such signature and runs CMS_verify
 *         (CMS_BINARY | CMS_CADES, chain to CA, purpose any) against
 *         CONTENT, in a loop for SECONDS.
 *
 * Prints one line: "<operations> <elapsed seconds>". The engine comes from
 * the configuration OPENSSL_CONF names; loading it is not timed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#define HARNESS_NAME "cmsbench-ossl"
#include "harness.h"

static X509 *read_cert(const char *path)
{
	BIO *b = BIO_new_file(path, "r");
	if (b == NULL)
		die(path);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	if (x == NULL)
		die(path);
	BIO_free(b);
	return x;
}

/* sign_once makes one detached CAdES-BES signature and returns its DER. */
static unsigned char *sign_once(X509 *cert, EVP_PKEY *key, const unsigned char *content, long clen, int *derlen)
{
	BIO *in = BIO_new_mem_buf(content, (int)clen);
	CMS_ContentInfo *cms = CMS_sign(cert, key, NULL, in,
	                                CMS_DETACHED | CMS_BINARY | CMS_CADES | CMS_NOSMIMECAP);
	if (cms == NULL)
		die("CMS_sign");
	unsigned char *der = NULL;
	*derlen = i2d_CMS_ContentInfo(cms, &der);
	if (*derlen <= 0)
		die("i2d_CMS_ContentInfo");
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	return der;
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: cmsbench-ossl sign|verify CERT KEY CA CONTENT SECONDS\n");
		return 2;
	}
	const char *mode = argv[1];
	double seconds = atof(argv[6]);

	if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG | OPENSSL_INIT_ENGINE_ALL_BUILTIN, NULL) != 1)
		die("OPENSSL_init_crypto");
	X509 *cert = read_cert(argv[2]);
	BIO *kb = BIO_new_file(argv[3], "r");
	if (kb == NULL)
		die(argv[3]);
	EVP_PKEY *key = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL);
	if (key == NULL)
		die("private key (is the GOST engine loaded?)");
	BIO_free(kb);
	X509_STORE *store = X509_STORE_new();
	if (store == NULL || X509_STORE_load_file(store, argv[4]) != 1)
		die("CA file");
	X509_STORE_set_purpose(store, X509_PURPOSE_ANY);
	long clen;
	unsigned char *content = read_file(argv[5], &clen);

	long ops = 0;
	double start, elapsed;
	if (strcmp(mode, "sign") == 0) {
		start = wall_now();
		do {
			int n;
			unsigned char *der = sign_once(cert, key, content, clen, &n);
			OPENSSL_free(der);
			ops++;
		} while ((elapsed = wall_now() - start) < seconds);
	} else if (strcmp(mode, "verify") == 0) {
		int n;
		unsigned char *der = sign_once(cert, key, content, clen, &n);
		start = wall_now();
		do {
			const unsigned char *p = der;
			CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, n);
			if (cms == NULL)
				die("d2i_CMS_ContentInfo");
			BIO *in = BIO_new_mem_buf(content, (int)clen);
			if (CMS_verify(cms, NULL, store, in, NULL, CMS_BINARY | CMS_CADES) != 1)
				die("CMS_verify");
			BIO_free(in);
			CMS_ContentInfo_free(cms);
			ops++;
		} while ((elapsed = wall_now() - start) < seconds);
		OPENSSL_free(der);
	} else {
		fprintf(stderr, "cmsbench-ossl: unknown mode %s\n", mode);
		return 2;
	}
	printf("%ld %.6f\n", ops, elapsed);
	EVP_PKEY_free(key);
	X509_free(cert);
	X509_STORE_free(store);
	free(content);
	return 0;
}
