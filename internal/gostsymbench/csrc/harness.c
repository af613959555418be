/*
 * harness measures OpenSSL's GOST engine in process for the symmetric
 * figures of `make bench`: Kuznyechik in CTR mode (kuznyechik-ctr) over a
 * 16 KiB buffer, and PBKDF2 with HMAC-Streebog-512 (md_gost12_512) deriving
 * 32 bytes. Time is the calling thread's CPU time. Output, one line:
 *   "ctr BYTES_PER_CPU_SECOND" or "pbkdf2 CALLS_PER_CPU_SECOND".
 *
 * usage: harness ctr SECONDS
 *        harness pbkdf2 ITERATIONS SECONDS
 */
#include <openssl/conf.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HARNESS_NAME "gostsymbench-harness"
#include "harness.h"

static void bench_ctr(ENGINE *e, double secs)
{
    static unsigned char buf[16384];
    unsigned char key[32], iv[8];
    const EVP_CIPHER *c = ENGINE_get_cipher(e, OBJ_sn2nid("kuznyechik-ctr"));
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    double t0, t;
    long n = 0;
    int outl;

    if (c == NULL || ctx == NULL)
        die("kuznyechik-ctr");
    if (RAND_bytes(key, sizeof(key)) != 1 || RAND_bytes(iv, sizeof(iv)) != 1
        || RAND_bytes(buf, sizeof(buf)) != 1)
        die("RAND_bytes");
    if (EVP_EncryptInit_ex(ctx, c, e, key, iv) != 1)
        die("EVP_EncryptInit_ex");
    t0 = cpu_now();
    do {
        if (EVP_EncryptUpdate(ctx, buf, &outl, buf, sizeof(buf)) != 1)
            die("EVP_EncryptUpdate");
        n++;
        t = cpu_now();
    } while (t - t0 < secs);
    printf("ctr %.1f\n", n * (double)sizeof(buf) / (t - t0));
    EVP_CIPHER_CTX_free(ctx);
}

static void bench_pbkdf2(ENGINE *e, int iter, double secs)
{
    const EVP_MD *md = ENGINE_get_digest(e, OBJ_sn2nid("md_gost12_512"));
    unsigned char salt[32], out[32];
    const char pass[] = "correct horse";
    double t0, t;
    long n = 0;

    if (md == NULL)
        die("md_gost12_512");
    if (RAND_bytes(salt, sizeof(salt)) != 1)
        die("RAND_bytes");
    t0 = cpu_now();
    do {
        if (PKCS5_PBKDF2_HMAC(pass, sizeof(pass) - 1, salt, sizeof(salt), iter, md,
                              sizeof(out), out) != 1)
            die("PKCS5_PBKDF2_HMAC");
        n++;
        t = cpu_now();
    } while (t - t0 < secs);
    printf("pbkdf2 %.3f\n", n / (t - t0));
}

int main(int argc, char **argv)
{
    ENGINE *e;

    if (argc == 3 && strcmp(argv[1], "ctr") == 0) {
        e = load_gost_engine();
        bench_ctr(e, atof(argv[2]));
    } else if (argc == 4 && strcmp(argv[1], "pbkdf2") == 0) {
        e = load_gost_engine();
        bench_pbkdf2(e, atoi(argv[2]), atof(argv[3]));
    } else {
        fprintf(stderr, "usage: harness ctr SECONDS | harness pbkdf2 ITERATIONS SECONDS\n");
        return 2;
    }
    ENGINE_finish(e);
    ENGINE_free(e);
    return 0;
}
