/*
 * verifyfile: the OpenSSL reference of `make bench` for signature
 * verification. Parses a DER CMS signature and verifies it over its
 * detached content against a CA file, as many times as fit in SECONDS,
 * certificate times unchecked (the signatures are old), and prints the
 * count and the elapsed seconds.
 */
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void die(const char *what)
{
	fprintf(stderr, "verifyfile: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static unsigned char *read_file(const char *name, long *len)
{
	FILE *f = fopen(name, "rb");
	if (f == NULL)
		die(name);
	if (fseek(f, 0, SEEK_END) != 0)
		die(name);
	*len = ftell(f);
	rewind(f);
	unsigned char *buf = malloc(*len > 0 ? (size_t)*len : 1);
	if (buf == NULL || fread(buf, 1, (size_t)*len, f) != (size_t)*len)
		die(name);
	fclose(f);
	return buf;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: verifyfile SIGNATURE.der CONTENT CAFILE SECONDS\n");
		return 2;
	}
	double seconds = atof(argv[4]);
	if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG | OPENSSL_INIT_ENGINE_ALL_BUILTIN, NULL) != 1)
		die("OPENSSL_init_crypto");
	long slen, clen;
	unsigned char *sig = read_file(argv[1], &slen);
	unsigned char *content = read_file(argv[2], &clen);
	X509_STORE *store = X509_STORE_new();
	if (store == NULL || X509_STORE_load_file(store, argv[3]) != 1)
		die("CA file");
	X509_STORE_set_purpose(store, X509_PURPOSE_ANY);
	X509_STORE_set_flags(store, X509_V_FLAG_NO_CHECK_TIME);

	long ops = 0;
	double start = now(), elapsed;
	do {
		const unsigned char *p = sig;
		CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, slen);
		if (cms == NULL)
			die("d2i_CMS_ContentInfo");
		BIO *in = BIO_new_mem_buf(content, (int)clen);
		if (CMS_verify(cms, NULL, store, in, NULL, CMS_BINARY | CMS_CADES) != 1)
			die("CMS_verify");
		BIO_free(in);
		CMS_ContentInfo_free(cms);
		ops++;
	} while ((elapsed = now() - start) < seconds);
	printf("%ld %.6f\n", ops, elapsed);
	X509_STORE_free(store);
	free(sig);
	free(content);
	return 0;
}
