/*
 * verifybench-ossl: OpenSSL's CMS with the GOST engine in one process, the
 * reference for the verification throughput of package validate.
 *
 * Usage: verifybench-ossl SIGNATURE.der CONTENT CA.pem ATTIME SECONDS
 *
 * Parses the DER of a detached CAdES-BES signature and runs CMS_verify
 * (CMS_BINARY | CMS_CADES, chain to CA, purpose any, certificates checked
 * at ATTIME seconds since the epoch, now when 0, not at all when -1: for
 * old signatures whose certificates have expired) against CONTENT, in a
 * loop for SECONDS of the process's CPU time. Prints one line:
 * "<operations> <CPU seconds>". The engine comes from the configuration
 * OPENSSL_CONF names; loading it is not timed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

static void die(const char *what)
{
	fprintf(stderr, "verifybench-ossl: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned char *read_file(const char *path, long *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		die(path);
	if (fseek(f, 0, SEEK_END) != 0)
		die(path);
	*len = ftell(f);
	rewind(f);
	unsigned char *buf = malloc(*len > 0 ? (size_t)*len : 1);
	if (buf == NULL || fread(buf, 1, (size_t)*len, f) != (size_t)*len)
		die(path);
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: verifybench-ossl SIGNATURE.der CONTENT CA.pem ATTIME SECONDS\n");
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
		BIO_free(in);
		CMS_ContentInfo_free(cms);
		ops++;
	} while ((elapsed = cpu_now() - start) < seconds);
	printf("%ld %.6f\n", ops, elapsed);
	X509_STORE_free(store);
	free(der);
	free(content);
	return 0;
}
