/*
 * crypto.c: GOST R 34.10-2012 keys, signatures and Streebog digests through
 * OpenSSL's GOST engine.
 *
 * The engine is loaded once per process and never unloaded, without
 * reading the user's openssl.cnf: from GOSTTOKEN_ENGINE when set, else an
 * engine already known to the process under the id "gost" (for instance
 * one loaded by the application's own configuration), else through the
 * "dynamic" engine from GT_ENGINE_PATH, fixed at build time from
 * libcrypto's enginesdir. Its key and digest methods are registered so that
 * OpenSSL can decode the GOST keys the token rebuilds from CKA_VALUE.
 *
 * Keys live in the token as raw little-endian values (CKA_VALUE); this
 * file turns them into EVP_PKEYs by wrapping them into PKCS#8 or
 * SubjectPublicKeyInfo DER (RFC 9215 and the engine's own encoding).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "gosttoken.h"

#ifndef GT_ENGINE_PATH
#define GT_ENGINE_PATH "/usr/lib/x86_64-linux-gnu/engines-3/gost.so"
#endif

/* report prints OpenSSL's error queue to stderr when GOSTTOKEN_DEBUG is
 * set, then clears it; the module never prints otherwise. */
static void report(const char *what)
{
    const char *dbg = getenv("GOSTTOKEN_DEBUG");

    if (dbg != NULL && *dbg != '\0' && strcmp(dbg, "0") != 0) {
        fprintf(stderr, "gosttoken: %s\n", what);
        ERR_print_errors_fp(stderr);
    }
    ERR_clear_error();
}

static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static ENGINE *engine;

static ENGINE *load_dynamic(const char *path)
{
    ENGINE *e = ENGINE_by_id("dynamic");
    if (e == NULL)
        return NULL;
    if (!ENGINE_ctrl_cmd_string(e, "SO_PATH", path, 0) ||
        !ENGINE_ctrl_cmd_string(e, "ID", "gost", 0) ||
        !ENGINE_ctrl_cmd_string(e, "LIST_ADD", "1", 0) ||
        !ENGINE_ctrl_cmd_string(e, "LOAD", NULL, 0)) {
        ENGINE_free(e);
        return NULL;
    }
    return e;
}

static void engine_load(void)
{
    const char *path = getenv("GOSTTOKEN_ENGINE");
    ENGINE *e = NULL;

    OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL);
    ERR_set_mark();
    if (path != NULL && *path != '\0') {
        e = load_dynamic(path);
    } else {
        e = ENGINE_by_id("gost");
        if (e == NULL)
            e = load_dynamic(GT_ENGINE_PATH);
    }
    if (e != NULL && !ENGINE_init(e)) {
        ENGINE_free(e);
        e = NULL;
    }
    if (e != NULL) {
        ENGINE_register_pkey_asn1_meths(e);
        ENGINE_register_pkey_meths(e);
        ENGINE_register_digests(e);
        ENGINE_free(e); /* keep the functional reference from ENGINE_init */
    }
    ERR_pop_to_mark();
    engine = e;
}

CK_RV gt_crypto_init(void)
{
    pthread_once(&engine_once, engine_load);
    return engine != NULL ? CKR_OK : CKR_GENERAL_ERROR;
}

/* ---- parameter sets ---- */

typedef struct paramset {
    const char *oid;  /* dotted */
    int bits;
    const char *name; /* the engine's "paramset" value */
} paramset;

static const paramset paramsets[] = {
    {"1.2.643.7.1.2.1.1.1", 256, "TCA"},
    {"1.2.643.7.1.2.1.1.2", 256, "TCB"},
    {"1.2.643.7.1.2.1.1.3", 256, "TCC"},
    {"1.2.643.7.1.2.1.1.4", 256, "TCD"},
    {"1.2.643.2.2.35.1", 256, "A"},
    {"1.2.643.2.2.35.2", 256, "B"},
    {"1.2.643.2.2.35.3", 256, "C"},
    {"1.2.643.2.2.36.0", 256, "XA"},
    {"1.2.643.2.2.36.1", 256, "XB"},
    {"1.2.643.7.1.2.1.2.1", 512, "A"},
    {"1.2.643.7.1.2.1.2.2", 512, "B"},
    {"1.2.643.7.1.2.1.2.3", 512, "C"},
};

/* gt_params_bits maps a DER OBJECT IDENTIFIER (CKA_GOSTR3410_PARAMS) to the
 * key size it belongs to and the engine's parameter set name; 0 when the
 * OID is not a GOST 2012 signature parameter set. */
int gt_params_bits(const CK_BYTE *oid, CK_ULONG len, const char **name)
{
    const unsigned char *p = oid;
    ASN1_OBJECT *obj;
    char dotted[64];
    size_t i;

    if (oid == NULL || len < 2 || len > 40 || oid[0] != 0x06 || oid[1] != len - 2)
        return 0;
    obj = d2i_ASN1_OBJECT(NULL, &p, (long)len);
    if (obj == NULL)
        return 0;
    if (p != oid + len || OBJ_obj2txt(dotted, sizeof dotted, obj, 1) <= 0) {
        ASN1_OBJECT_free(obj);
        return 0;
    }
    ASN1_OBJECT_free(obj);
    for (i = 0; i < sizeof paramsets / sizeof paramsets[0]; i++) {
        if (strcmp(paramsets[i].oid, dotted) == 0) {
            if (name != NULL)
                *name = paramsets[i].name;
            return paramsets[i].bits;
        }
    }
    return 0;
}

static const CK_BYTE oid_streebog256[] = {0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x02, 0x02};
static const CK_BYTE oid_streebog512[] = {0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x02, 0x03};
static const CK_BYTE oid_key256[] = {0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x01, 0x01};
static const CK_BYTE oid_key512[] = {0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x01, 0x02};

/* gt_digest_oid returns the DER OID of Streebog of the given size, the
 * CKA_GOSTR3411_PARAMS of a GOST 2012 key. */
const CK_BYTE *gt_digest_oid(int bits, CK_ULONG *len)
{
    *len = sizeof oid_streebog256;
    return bits == 512 ? oid_streebog512 : oid_streebog256;
}

/* ---- a tiny DER writer ---- */

typedef struct der {
    unsigned char b[512];
    size_t n;
    int bad;
} der;

static void der_raw(der *d, const void *p, size_t n)
{
    if (d->bad || n > sizeof d->b - d->n) {
        d->bad = 1;
        return;
    }
    memcpy(d->b + d->n, p, n);
    d->n += n;
}

/* der_wrap puts a tag and length in front of the bytes from start to the
 * end of d. */
static void der_wrap(der *d, size_t start, unsigned char tag)
{
    unsigned char hdr[4];
    size_t len = d->n - start, h = 0;

    if (d->bad)
        return;
    hdr[h++] = tag;
    if (len < 0x80) {
        hdr[h++] = (unsigned char)len;
    } else if (len < 0x100) {
        hdr[h++] = 0x81;
        hdr[h++] = (unsigned char)len;
    } else {
        hdr[h++] = 0x82;
        hdr[h++] = (unsigned char)(len >> 8);
        hdr[h++] = (unsigned char)len;
    }
    if (h > sizeof d->b - d->n) {
        d->bad = 1;
        return;
    }
    memmove(d->b + start + h, d->b + start, len);
    memcpy(d->b + start, hdr, h);
    d->n += h;
}

/* der_alg writes the AlgorithmIdentifier of a GOST 2012 key:
 * SEQUENCE { key OID, SEQUENCE { paramset OID, digest OID } } (RFC 9215
 * section 2.2; the digest OID may be present for every parameter set). */
static void der_alg(der *d, int bits, const CK_BYTE *params, CK_ULONG plen)
{
    size_t seq = d->n, inner;
    CK_ULONG dlen;
    const CK_BYTE *dig = gt_digest_oid(bits, &dlen);

    der_raw(d, bits == 512 ? oid_key512 : oid_key256, sizeof oid_key256);
    inner = d->n;
    der_raw(d, params, plen);
    der_raw(d, dig, dlen);
    der_wrap(d, inner, 0x30);
    der_wrap(d, seq, 0x30);
}

/* ---- keys ---- */

static int octets(const unsigned char *p, size_t n, const unsigned char **val, size_t *vlen)
{
    const unsigned char *q = p;
    ASN1_OCTET_STRING *os = d2i_ASN1_OCTET_STRING(NULL, &q, (long)n);
    if (os == NULL)
        return 0;
    if (q != p + n || os->length <= 0) {
        ASN1_OCTET_STRING_free(os);
        return 0;
    }
    *vlen = (size_t)os->length;
    *val = p + (n - *vlen); /* the content is the tail of the encoding */
    ASN1_OCTET_STRING_free(os);
    return 1;
}

/* gt_keygen makes a key pair on the given parameter set and returns the
 * private key (bits/8 bytes, little-endian) and the public key
 * LE(X)||LE(Y) (bits/4 bytes). */
CK_RV gt_keygen(int bits, const char *paramset, unsigned char *priv, unsigned char *pub)
{
    int nid = bits == 512 ? NID_id_GostR3410_2012_512 : NID_id_GostR3410_2012_256;
    size_t n = (size_t)bits / 8, vlen;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *k = NULL;
    PKCS8_PRIV_KEY_INFO *p8 = NULL;
    X509_PUBKEY *xpk = NULL;
    const unsigned char *pk, *val;
    int pklen;
    CK_RV rv = CKR_DEVICE_ERROR;

    if (gt_crypto_init() != CKR_OK)
        return CKR_GENERAL_ERROR;
    ctx = EVP_PKEY_CTX_new_id(nid, engine);
    if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0 ||
        EVP_PKEY_CTX_ctrl_str(ctx, "paramset", paramset) <= 0 ||
        EVP_PKEY_keygen(ctx, &k) <= 0)
        goto out;

    /* Private key: the engine's PKCS#8 privateKey holds the little-endian
     * scalar itself (other encoders: an OCTET STRING of it, or a
     * big-endian INTEGER). */
    p8 = EVP_PKEY2PKCS8(k);
    if (p8 == NULL || !PKCS8_pkey_get0(NULL, &pk, &pklen, NULL, p8) || pklen < 2)
        goto out;
    if ((size_t)pklen == n) {
        memcpy(priv, pk, n);
    } else if (pk[0] == 0x04) {
        if (!octets(pk, (size_t)pklen, &val, &vlen) || vlen != n)
            goto out;
        memcpy(priv, val, n);
    } else {
        const unsigned char *q = pk;
        ASN1_INTEGER *ai = d2i_ASN1_INTEGER(NULL, &q, pklen);
        BIGNUM *bn = ai != NULL ? ASN1_INTEGER_to_BN(ai, NULL) : NULL;
        int ok = bn != NULL && BN_bn2lebinpad(bn, priv, (int)n) == (int)n;
        BN_free(bn);
        ASN1_INTEGER_free(ai);
        if (!ok)
            goto out;
    }

    /* Public key: SubjectPublicKeyInfo's BIT STRING wraps an OCTET STRING
     * of LE(X)||LE(Y). */
    if (!X509_PUBKEY_set(&xpk, k) ||
        !X509_PUBKEY_get0_param(NULL, &pk, &pklen, NULL, xpk) ||
        !octets(pk, (size_t)pklen, &val, &vlen) || vlen != 2 * n)
        goto out;
    memcpy(pub, val, 2 * n);
    rv = CKR_OK;
out:
    if (rv != CKR_OK)
        report("key generation failed");
    X509_PUBKEY_free(xpk);
    PKCS8_PRIV_KEY_INFO_free(p8);
    EVP_PKEY_free(k);
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return rv;
}

/* gt_key_private rebuilds a private key from its parameter set and
 * little-endian CKA_VALUE, as PKCS#8 PrivateKeyInfo DER in the engine's
 * own form: privateKey is the little-endian scalar. */
CK_RV gt_key_private(int bits, const CK_BYTE *params, CK_ULONG plen, const unsigned char *priv, EVP_PKEY **out)
{
    der d = {0};
    size_t seq, os;
    const unsigned char *p;
    PKCS8_PRIV_KEY_INFO *p8;
    static const unsigned char version[] = {0x02, 0x01, 0x00};

    if (gt_crypto_init() != CKR_OK)
        return CKR_GENERAL_ERROR;
    seq = d.n;
    der_raw(&d, version, sizeof version);
    der_alg(&d, bits, params, plen);
    os = d.n;
    der_raw(&d, priv, (size_t)bits / 8);
    der_wrap(&d, os, 0x04);
    der_wrap(&d, seq, 0x30);
    if (d.bad)
        return CKR_GENERAL_ERROR;
    p = d.b;
    p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)d.n);
    *out = p8 != NULL ? EVP_PKCS82PKEY(p8) : NULL;
    PKCS8_PRIV_KEY_INFO_free(p8);
    OPENSSL_cleanse(d.b, sizeof d.b);
    if (*out == NULL)
        report("cannot load a private key");
    return *out != NULL ? CKR_OK : CKR_DEVICE_ERROR;
}

/* gt_key_public rebuilds a public key from its parameter set and
 * CKA_VALUE = LE(X)||LE(Y), as SubjectPublicKeyInfo DER. */
CK_RV gt_key_public(int bits, const CK_BYTE *params, CK_ULONG plen, const unsigned char *pub, EVP_PKEY **out)
{
    der d = {0};
    size_t seq, bs;
    const unsigned char *p;
    static const unsigned char unused = 0;

    if (gt_crypto_init() != CKR_OK)
        return CKR_GENERAL_ERROR;
    seq = d.n;
    der_alg(&d, bits, params, plen);
    bs = d.n;
    der_raw(&d, &unused, 1);
    der_raw(&d, pub, (size_t)bits / 4);
    der_wrap(&d, bs + 1, 0x04);
    der_wrap(&d, bs, 0x03);
    der_wrap(&d, seq, 0x30);
    if (d.bad)
        return CKR_GENERAL_ERROR;
    p = d.b;
    *out = d2i_PUBKEY(NULL, &p, (long)d.n);
    if (*out == NULL)
        report("cannot load a public key");
    return *out != NULL ? CKR_OK : CKR_KEY_HANDLE_INVALID;
}

/* gt_sign_raw signs a 32- or 64-byte hash; the result is BE(s)||BE(r), the
 * form CKM_GOSTR3410 returns. */
CK_RV gt_sign_raw(EVP_PKEY *k, const unsigned char *h, size_t hlen, unsigned char *sig, size_t *siglen)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, engine);
    CK_RV rv = CKR_DEVICE_ERROR;

    if (ctx != NULL && EVP_PKEY_sign_init(ctx) > 0 &&
        EVP_PKEY_sign(ctx, sig, siglen, h, hlen) > 0)
        rv = CKR_OK;
    else
        report("signing failed");
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return rv;
}

CK_RV gt_verify_raw(EVP_PKEY *k, const unsigned char *h, size_t hlen, const unsigned char *sig, size_t siglen)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, engine);
    CK_RV rv = CKR_SIGNATURE_INVALID;
    int r;

    if (ctx == NULL || EVP_PKEY_verify_init(ctx) <= 0) {
        rv = CKR_DEVICE_ERROR;
    } else {
        r = EVP_PKEY_verify(ctx, sig, siglen, h, hlen);
        if (r == 1)
            rv = CKR_OK;
    }
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return rv;
}

/* gt_md_new starts a Streebog digest of the given size. */
CK_RV gt_md_new(int bits, EVP_MD_CTX **out)
{
    const EVP_MD *md;
    EVP_MD_CTX *ctx;

    if (gt_crypto_init() != CKR_OK)
        return CKR_GENERAL_ERROR;
    md = ENGINE_get_digest(engine, bits == 512 ? NID_id_GostR3411_2012_512 : NID_id_GostR3411_2012_256);
    ctx = EVP_MD_CTX_new();
    if (md == NULL || ctx == NULL || EVP_DigestInit_ex(ctx, md, engine) <= 0) {
        EVP_MD_CTX_free(ctx);
        ERR_clear_error();
        return CKR_DEVICE_ERROR;
    }
    *out = ctx;
    return CKR_OK;
}

CK_RV gt_random(unsigned char *buf, size_t n)
{
    return RAND_bytes(buf, (int)n) == 1 ? CKR_OK : CKR_DEVICE_ERROR;
}

/* gt_sha256 hashes a||b (PIN verifiers, serial numbers). */
void gt_sha256(const void *a, size_t alen, const void *b, size_t blen, unsigned char out[32])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = 32;

    if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) <= 0 ||
        EVP_DigestUpdate(ctx, a, alen) <= 0 || EVP_DigestUpdate(ctx, b, blen) <= 0 ||
        EVP_DigestFinal_ex(ctx, out, &n) <= 0)
        memset(out, 0, 32);
    EVP_MD_CTX_free(ctx);
}
