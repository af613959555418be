/*
 * harness computes the password key of a CryptoPro key container (GOST R
 * 34.10-2012 keys: Streebog-256, 2000 rounds) with OpenSSL's GOST engine
 * (md_gost12_256), as the reference of `make bench` for opening a
 * container. OpenSSL cannot open such containers; the KDF is what costs.
 * Time is the calling thread's CPU time. Output, one line:
 *   "key HEX"               for: harness key SALTHEX PASSWORD
 *   "kdf CALLS_PER_CPU_SECOND" for: harness kdf SECONDS
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

#define HARNESS_NAME "cpcontainerbench-harness"
#include "harness.h"

/* hash writes H(parts...) into out (32 bytes). */
static void hash(EVP_MD_CTX *ctx, const EVP_MD *md, ENGINE *e, unsigned char *out,
                 const unsigned char *a, size_t an, const unsigned char *b, size_t bn,
                 const unsigned char *c, size_t cn, const unsigned char *d, size_t dn)
{
    unsigned int n;

    if (EVP_DigestInit_ex(ctx, md, e) != 1 || EVP_DigestUpdate(ctx, a, an) != 1
        || EVP_DigestUpdate(ctx, b, bn) != 1 || EVP_DigestUpdate(ctx, c, cn) != 1
        || EVP_DigestUpdate(ctx, d, dn) != 1 || EVP_DigestFinal_ex(ctx, out, &n) != 1)
        die("digest");
}

/* password_key derives the 32-byte key of primary.key. */
static void password_key(EVP_MD_CTX *ctx, const EVP_MD *md, ENGINE *e, const char *pw,
                         const unsigned char *salt, size_t saltn, unsigned char key[32])
{
    static const char seed[] = "DENEFH028.760246785.IUEFHWUIO.EF";
    unsigned char pin[4 * 256], first[32], c[64], in[64], out[64], mid[32];
    size_t pwn = strlen(pw), i;
    int r, rounds = pwn ? 2000 : 2;

    if (pwn > 256)
        die("password too long");
    memset(pin, 0, sizeof(pin));
    for (i = 0; i < pwn; i++)
        pin[4 * i] = (unsigned char)pw[i];
    hash(ctx, md, e, first, salt, saltn, pin, 4 * pwn, NULL, 0, NULL, 0);
    memset(c, 0, sizeof(c));
    memcpy(c, seed, 32);
    for (r = 0; r < rounds; r++) {
        for (i = 0; i < 64; i++) {
            in[i] = c[i] ^ 0x36;
            out[i] = c[i] ^ 0x5c;
        }
        hash(ctx, md, e, c, in, 64, first, 32, out, 64, first, 32);
    }
    for (i = 0; i < 32; i++) {
        in[i] = c[i] ^ 0x36;
        out[i] = c[i] ^ 0x5c;
    }
    hash(ctx, md, e, mid, in, 32, salt, saltn, out, 32, pin, 4 * pwn);
    hash(ctx, md, e, key, mid, 32, NULL, 0, NULL, 0, NULL, 0);
}

int main(int argc, char **argv)
{
    ENGINE *e;
    const EVP_MD *md;
    EVP_MD_CTX *ctx;
    unsigned char salt[64], key[32];
    size_t saltn = 0, i;

    if (!(argc == 4 && strcmp(argv[1], "key") == 0) && !(argc == 3 && strcmp(argv[1], "kdf") == 0)) {
        fprintf(stderr, "usage: harness key SALTHEX PASSWORD | harness kdf SECONDS\n");
        return 2;
    }
    e = load_gost_engine();
    md = ENGINE_get_digest(e, OBJ_sn2nid("md_gost12_256"));
    ctx = EVP_MD_CTX_new();
    if (md == NULL || ctx == NULL)
        die("md_gost12_256");
    if (strcmp(argv[1], "key") == 0) {
        const char *h = argv[2];
        for (saltn = 0; h[2 * saltn] && h[2 * saltn + 1] && saltn < sizeof(salt); saltn++) {
            unsigned int v;
            if (sscanf(h + 2 * saltn, "%2x", &v) != 1)
                die("salt is not hex");
            salt[saltn] = (unsigned char)v;
        }
        password_key(ctx, md, e, argv[3], salt, saltn, key);
        printf("key ");
        for (i = 0; i < sizeof(key); i++)
            printf("%02x", key[i]);
        printf("\n");
    } else {
        double secs = atof(argv[2]), t0, t;
        long n = 0;

        if (RAND_bytes(salt, 12) != 1)
            die("RAND_bytes");
        t0 = cpu_now();
        do {
            password_key(ctx, md, e, "12345678", salt, 12, key);
            n++;
            t = cpu_now();
        } while (t - t0 < secs);
        printf("kdf %.3f\n", n / (t - t0));
    }
    EVP_MD_CTX_free(ctx);
    ENGINE_finish(e);
    ENGINE_free(e);
    return 0;
}
