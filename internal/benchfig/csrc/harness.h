/*
 * What the OpenSSL reference harnesses of the benchmarks share (see
 * internal/benchfig: each harness takes its operation count and seconds
 * and prints "<ops> <seconds>"): failing with OpenSSL's errors, clocks,
 * reading a file whole and loading the GOST engine. Define HARNESS_NAME
 * (the program's name in its messages) before including it. Every
 * function is static inline, so a harness that leaves one unused builds
 * with -Wall -Werror.
 */
#ifndef ZAVERA_BENCH_HARNESS_H
#define ZAVERA_BENCH_HARNESS_H

#include <openssl/conf.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifndef HARNESS_NAME
#define HARNESS_NAME "harness"
#endif

/* die prints what failed and OpenSSL's error queue, and exits 1. */
static inline void die(const char *what)
{
	fprintf(stderr, HARNESS_NAME ": %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

/* cpu_now is the processor time the process has used, in seconds. */
static inline double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* wall_now is a monotonic clock, in seconds. */
static inline double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* read_file reads the file at path whole; *len is its size. */
static inline unsigned char *read_file(const char *path, long *len)
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

/*
 * load_gost_engine returns the GOST engine, initialised: the one the
 * configuration (OPENSSL_CONF) names, else Debian's engine file loaded
 * through the dynamic engine.
 */
static inline ENGINE *load_gost_engine(void)
{
	ENGINE *e;

	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL);
	e = ENGINE_by_id("gost");
	if (e == NULL) {
		ENGINE_load_dynamic();
		e = ENGINE_by_id("dynamic");
		if (e == NULL
		    || !ENGINE_ctrl_cmd_string(e, "SO_PATH", "/usr/lib/x86_64-linux-gnu/engines-3/gost.so", 0)
		    || !ENGINE_ctrl_cmd_string(e, "LOAD", NULL, 0))
			die("cannot load the GOST engine");
	}
	if (!ENGINE_init(e))
		die("ENGINE_init");
	return e;
}

#endif
