/*
 * omacacpkm computes OMAC-ACPKM with Kuznyechik in OpenSSL's GOST engine
 * (its kuznyechik-ctr-acpkm-omac digest), for the tests of package
 * blockmode: the `openssl` command offers no way to reach it. The engine
 * takes the section size N from EVP_CTRL_KEY_MESH (set after the key) and
 * makes the key material with its kuznyechik-ctr-acpkm cipher, whose
 * section T* is 4096 bytes. Reads the message from standard input, prints
 * the 16-byte MAC in hex.
 *
 * usage: omacacpkm HEXKEY SECTION
 */
#include <openssl/conf.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MD_CTRL_SET_KEY (EVP_MD_CTRL_ALG_CTRL + 4) /* the engine's */

static void die(const char *what)
{
    fprintf(stderr, "omacacpkm: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

int main(int argc, char **argv)
{
    unsigned char key[32], mac[EVP_MAX_MD_SIZE], buf[65536];
    unsigned int maclen, i;
    size_t n;
    ENGINE *e;
    const EVP_MD *md;
    EVP_MD_CTX *ctx;

    if (argc != 3 || strlen(argv[1]) != 64) {
        fprintf(stderr, "usage: omacacpkm HEXKEY SECTION\n");
        return 2;
    }
    for (i = 0; i < 32; i++)
        if (sscanf(argv[1] + 2 * i, "%2hhx", &key[i]) != 1)
            die("bad key");
    OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL);
    if ((e = ENGINE_by_id("gost")) == NULL || !ENGINE_init(e))
        die("the GOST engine is not configured (OPENSSL_CONF)");
    md = ENGINE_get_digest(e, OBJ_sn2nid("kuznyechik-ctr-acpkm-omac"));
    ctx = EVP_MD_CTX_new();
    if (md == NULL || ctx == NULL || EVP_DigestInit_ex(ctx, md, e) != 1)
        die("kuznyechik-ctr-acpkm-omac");
    if (EVP_MD_CTX_ctrl(ctx, MD_CTRL_SET_KEY, sizeof(key), key) <= 0)
        die("key");
    if (EVP_MD_CTX_ctrl(ctx, EVP_CTRL_KEY_MESH, atoi(argv[2]), NULL) <= 0)
        die("section size");
    while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
        if (EVP_DigestUpdate(ctx, buf, n) != 1)
            die("update");
    if (EVP_DigestFinal_ex(ctx, mac, &maclen) != 1)
        die("final");
    for (i = 0; i < maclen; i++)
        printf("%02x", mac[i]);
    printf("\n");
    EVP_MD_CTX_free(ctx);
    ENGINE_finish(e);
    ENGINE_free(e);
    return 0;
}
