/*
 * harness measures GOST R 34.10-2012 signing and verification in OpenSSL's
 * GOST engine, in process: it loads the engine, makes a key on the named
 * parameter set, then counts EVP_PKEY_sign and EVP_PKEY_verify calls over
 * a fixed time of the calling thread's CPU time (so that other processes
 * on a busy machine do not count against it). Output, one line per
 * operation: "sign OPS_PER_CPU_SECOND" and "verify OPS_PER_CPU_SECOND".
 *
 * usage: harness ALGORITHM PARAMSET SECONDS
 *        harness gost2012_256 TCA 2
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

#define HARNESS_NAME "gostbench-harness"
#include "harness.h"

int main(int argc, char **argv)
{
    const char *alg, *paramset;
    double secs, t0, t;
    ENGINE *e;
    EVP_PKEY_CTX *kctx, *sctx, *vctx;
    EVP_PKEY *key = NULL;
    unsigned char digest[64], sig[128];
    size_t dlen, siglen;
    long n;

    if (argc != 4) {
        fprintf(stderr, "usage: harness ALGORITHM PARAMSET SECONDS\n");
        return 2;
    }
    alg = argv[1];
    paramset = argv[2];
    secs = atof(argv[3]);
    dlen = strcmp(alg, "gost2012_512") == 0 ? 64 : 32;

    e = load_gost_engine();
    kctx = EVP_PKEY_CTX_new_id(OBJ_sn2nid(alg) != NID_undef ? OBJ_sn2nid(alg) : OBJ_txt2nid(alg), e);
    if (kctx == NULL) {
        const EVP_PKEY_ASN1_METHOD *am = EVP_PKEY_asn1_find_str(&e, alg, -1);
        int id;
        if (am == NULL || !EVP_PKEY_asn1_get0_info(&id, NULL, NULL, NULL, NULL, am))
            die("unknown algorithm");
        kctx = EVP_PKEY_CTX_new_id(id, e);
    }
    if (kctx == NULL || EVP_PKEY_keygen_init(kctx) <= 0
        || EVP_PKEY_CTX_ctrl_str(kctx, "paramset", paramset) <= 0
        || EVP_PKEY_keygen(kctx, &key) <= 0)
        die("key generation");

    if (RAND_bytes(digest, sizeof(digest)) != 1)
        die("RAND_bytes");

    sctx = EVP_PKEY_CTX_new(key, e);
    if (sctx == NULL || EVP_PKEY_sign_init(sctx) <= 0)
        die("sign init");
    t0 = cpu_now();
    n = 0;
    do {
        siglen = sizeof(sig);
        if (EVP_PKEY_sign(sctx, sig, &siglen, digest, dlen) <= 0)
            die("sign");
        n++;
        t = cpu_now();
    } while (t - t0 < secs);
    printf("sign %.1f\n", n / (t - t0));

    vctx = EVP_PKEY_CTX_new(key, e);
    if (vctx == NULL || EVP_PKEY_verify_init(vctx) <= 0)
        die("verify init");
    t0 = cpu_now();
    n = 0;
    do {
        if (EVP_PKEY_verify(vctx, sig, siglen, digest, dlen) != 1)
            die("verify");
        n++;
        t = cpu_now();
    } while (t - t0 < secs);
    printf("verify %.1f\n", n / (t - t0));

    EVP_PKEY_CTX_free(vctx);
    EVP_PKEY_CTX_free(sctx);
    EVP_PKEY_CTX_free(kctx);
    EVP_PKEY_free(key);
    ENGINE_finish(e);
    ENGINE_free(e);
    return 0;
}
