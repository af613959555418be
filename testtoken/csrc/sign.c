/*
 * sign.c: signing, verification and digests.
 *
 * CKM_GOSTR3410 and CKM_GOSTR3410_512 sign a hash the caller made (32 or
 * 64 bytes, given as the hash function outputs them); the
 * CKM_GOSTR3410_WITH_GOSTR3411_12_* mechanisms hash on the token first.
 * Signatures are BE(s)||BE(r) (64 or 128 bytes).
 *
 * C_Sign and C_SignFinal apply the control file's faults: the delay is
 * slept and the signature computed without holding the module lock, so
 * that other sessions keep working; a token pulled out meanwhile makes
 * the call fail with CKR_DEVICE_REMOVED.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "gosttoken.h"

/* mech_bits returns the key size a signing mechanism works with and
 * whether it hashes on the token; 0 for other mechanisms. */
static int mech_bits(CK_MECHANISM_TYPE m, int *hashes)
{
    *hashes = 0;
    switch (m) {
    case CKM_GOSTR3410:
        return 256;
    case GT_CKM_GOSTR3410_512:
        return 512;
    case GT_CKM_GOSTR3410_WITH_GOSTR3411_12_256:
        *hashes = 1;
        return 256;
    case GT_CKM_GOSTR3410_WITH_GOSTR3411_12_512:
        *hashes = 1;
        return 512;
    }
    return 0;
}

static int object_bits(const gt_object *o)
{
    CK_KEY_TYPE kt = gt_obj_ulong(o, CKA_KEY_TYPE, CK_UNAVAILABLE_INFORMATION);
    if (kt == CKK_GOSTR3410)
        return 256;
    if (kt == GT_CKK_GOSTR3410_512)
        return 512;
    return 0;
}

/* key_load makes sure o->pkey holds the OpenSSL key of a GOST key object. */
static CK_RV key_load(gt_object *o, CK_OBJECT_CLASS cls, int bits)
{
    const gt_attr *params = gt_obj_get(o, CKA_GOSTR3410_PARAMS), *v = gt_obj_get(o, CKA_VALUE);
    CK_ULONG want = (CK_ULONG)(cls == CKO_PRIVATE_KEY ? bits / 8 : bits / 4);

    if (o->pkey != NULL)
        return CKR_OK;
    if (params == NULL || v == NULL || v->len != want)
        return CKR_KEY_HANDLE_INVALID;
    if (cls == CKO_PRIVATE_KEY)
        return gt_key_private(bits, params->val, params->len, v->val, &o->pkey);
    return gt_key_public(bits, params->val, params->len, v->val, &o->pkey);
}

static CK_RV op_init(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key, int kind)
{
    gt_session *s;
    gt_object *o;
    gt_op *op;
    CK_OBJECT_CLASS cls = kind == GT_OP_SIGN ? CKO_PRIVATE_KEY : CKO_PUBLIC_KEY;
    CK_ATTRIBUTE_TYPE use = kind == GT_OP_SIGN ? CKA_SIGN : CKA_VERIFY;
    int bits, hashes;
    CK_RV rv;

    if (mech == NULL)
        return CKR_ARGUMENTS_BAD;
    gt_lock();
    rv = gt_session_get(hSession, &s);
    if (rv != CKR_OK)
        goto out;
    op = kind == GT_OP_SIGN ? &s->sign : &s->verify;
    if (op->kind != GT_OP_NONE) {
        rv = CKR_OPERATION_ACTIVE;
        goto out;
    }
    bits = mech_bits(mech->mechanism, &hashes);
    if (bits == 0 || !gt_mech_offered(s->slot, mech->mechanism)) {
        rv = CKR_MECHANISM_INVALID;
        goto out;
    }
    if (mech->pParameter != NULL || mech->ulParameterLen != 0) {
        rv = CKR_MECHANISM_PARAM_INVALID;
        goto out;
    }
    o = gt_object_find(s, key);
    if (o == NULL) {
        rv = CKR_KEY_HANDLE_INVALID;
        goto out;
    }
    if (gt_obj_ulong(o, CKA_CLASS, CK_UNAVAILABLE_INFORMATION) != cls || object_bits(o) != bits) {
        rv = CKR_KEY_TYPE_INCONSISTENT;
        goto out;
    }
    if (!gt_obj_bool(o, use, CK_FALSE)) {
        rv = CKR_KEY_FUNCTION_NOT_PERMITTED;
        goto out;
    }
    rv = key_load(o, cls, bits);
    if (rv != CKR_OK)
        goto out;
    if (hashes) {
        rv = gt_md_new(bits, &op->md);
        if (rv != CKR_OK)
            goto out;
    }
    op->kind = kind;
    op->mech = mech->mechanism;
    op->key = key;
out:
    gt_unlock();
    return rv;
}

static CK_RV op_update(gt_op *op, const CK_BYTE *data, CK_ULONG len)
{
    if (data == NULL && len > 0)
        return CKR_ARGUMENTS_BAD;
    if (op->md != NULL)
        return EVP_DigestUpdate(op->md, data, len) > 0 ? CKR_OK : CKR_DEVICE_ERROR;
    if (len > sizeof op->buf - op->buflen) {
        op->overflow = 1;
        return CKR_OK;
    }
    if (len > 0)
        memcpy(op->buf + op->buflen, data, len);
    op->buflen += len;
    return CKR_OK;
}

/* op_hash returns the hash to sign or verify: the buffered raw input or the
 * token's digest of everything given. */
static CK_RV op_hash(gt_op *op, int bits, unsigned char *h, size_t *hlen)
{
    unsigned int n = 0;

    if (op->md != NULL) {
        if (EVP_DigestFinal_ex(op->md, h, &n) <= 0)
            return CKR_DEVICE_ERROR;
        *hlen = n;
        return CKR_OK;
    }
    if (op->overflow || op->buflen != (size_t)bits / 8)
        return CKR_DATA_LEN_RANGE;
    memcpy(h, op->buf, op->buflen);
    *hlen = op->buflen;
    return CKR_OK;
}

CK_RV C_SignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
    gt_fault("C_SignInit");
    return op_init(hSession, pMechanism, hKey, GT_OP_SIGN);
}

CK_RV C_VerifyInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
    return op_init(hSession, pMechanism, hKey, GT_OP_VERIFY);
}

/* sign_finish ends a signing operation: data is the last input (C_Sign) or
 * NULL (C_SignFinal). */
static CK_RV sign_finish(CK_SESSION_HANDLE hSession, const CK_BYTE *data, CK_ULONG len, int single,
                         CK_BYTE_PTR sig, CK_ULONG_PTR siglen)
{
    gt_session *s;
    gt_object *o;
    EVP_PKEY *key = NULL;
    unsigned char h[64];
    size_t hlen = 0, outlen;
    unsigned long delay = 0;
    int bits, hashes, fail = 0;
    CK_RV rv;

    if (siglen == NULL)
        return CKR_ARGUMENTS_BAD;
    gt_lock();
    rv = gt_session_get(hSession, &s);
    if (rv != CKR_OK)
        goto unlock;
    if (s->sign.kind != GT_OP_SIGN) {
        rv = CKR_OPERATION_NOT_INITIALIZED;
        goto unlock;
    }
    bits = mech_bits(s->sign.mech, &hashes);
    outlen = (size_t)bits / 4;
    if (sig == NULL) {
        *siglen = outlen;
        goto unlock;
    }
    if (*siglen < outlen) {
        *siglen = outlen;
        rv = CKR_BUFFER_TOO_SMALL;
        goto unlock;
    }
    if (single)
        rv = op_update(&s->sign, data, len);
    if (rv == CKR_OK)
        rv = op_hash(&s->sign, bits, h, &hlen);
    o = gt_object_find(s, s->sign.key);
    if (rv == CKR_OK && (o == NULL || o->pkey == NULL))
        rv = CKR_KEY_HANDLE_INVALID;
    gt_op_reset(&s->sign);
    if (rv != CKR_OK)
        goto unlock;
    key = o->pkey;
    EVP_PKEY_up_ref(key);
    delay = s->slot->ctl.delay_ms;
    s->slot->signs++;
    fail = s->slot->ctl.fail_sign != 0 && s->slot->signs == s->slot->ctl.fail_sign;
    gt_unlock();

    gt_sleep_ms(delay);
    gt_lock();
    rv = gt_session_get(hSession, &s); /* pulled out meanwhile? */
    gt_unlock();
    if (rv == CKR_OK && fail)
        rv = CKR_DEVICE_ERROR;
    if (rv == CKR_OK) {
        rv = gt_sign_raw(key, h, hlen, sig, &outlen);
        if (rv == CKR_OK)
            *siglen = outlen;
    }
    EVP_PKEY_free(key);
    OPENSSL_cleanse(h, sizeof h);
    return rv;
unlock:
    gt_unlock();
    return rv;
}

CK_RV C_Sign(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
             CK_ULONG_PTR pulSignatureLen)
{
    gt_fault("C_Sign");
    if (pData == NULL && ulDataLen > 0)
        return CKR_ARGUMENTS_BAD;
    return sign_finish(hSession, pData, ulDataLen, 1, pSignature, pulSignatureLen);
}

CK_RV C_SignFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
    return sign_finish(hSession, NULL, 0, 0, pSignature, pulSignatureLen);
}

static CK_RV update(CK_SESSION_HANDLE hSession, int kind, CK_BYTE_PTR data, CK_ULONG len)
{
    gt_session *s;
    gt_op *op;
    CK_RV rv;

    gt_lock();
    rv = gt_session_get(hSession, &s);
    if (rv == CKR_OK) {
        op = kind == GT_OP_SIGN ? &s->sign : kind == GT_OP_VERIFY ? &s->verify : &s->digest;
        if (op->kind != kind) {
            rv = CKR_OPERATION_NOT_INITIALIZED;
        } else {
            rv = op_update(op, data, len);
            if (rv != CKR_OK)
                gt_op_reset(op);
        }
    }
    gt_unlock();
    return rv;
}

CK_RV C_SignUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
    return update(hSession, GT_OP_SIGN, pPart, ulPartLen);
}

CK_RV C_VerifyUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
    return update(hSession, GT_OP_VERIFY, pPart, ulPartLen);
}

static CK_RV verify_finish(CK_SESSION_HANDLE hSession, const CK_BYTE *data, CK_ULONG len, int single,
                           const CK_BYTE *sig, CK_ULONG siglen)
{
    gt_session *s;
    gt_object *o;
    unsigned char h[64];
    size_t hlen = 0;
    int bits, hashes;
    CK_RV rv;

    gt_lock();
    rv = gt_session_get(hSession, &s);
    if (rv != CKR_OK)
        goto out;
    if (s->verify.kind != GT_OP_VERIFY) {
        rv = CKR_OPERATION_NOT_INITIALIZED;
        goto out;
    }
    bits = mech_bits(s->verify.mech, &hashes);
    if (sig == NULL)
        rv = CKR_ARGUMENTS_BAD;
    else if (siglen != (CK_ULONG)bits / 4)
        rv = CKR_SIGNATURE_LEN_RANGE;
    if (rv == CKR_OK && single)
        rv = op_update(&s->verify, data, len);
    if (rv == CKR_OK)
        rv = op_hash(&s->verify, bits, h, &hlen);
    o = gt_object_find(s, s->verify.key);
    if (rv == CKR_OK && (o == NULL || o->pkey == NULL))
        rv = CKR_KEY_HANDLE_INVALID;
    if (rv == CKR_OK)
        rv = gt_verify_raw(o->pkey, h, hlen, sig, siglen);
    gt_op_reset(&s->verify);
out:
    gt_unlock();
    return rv;
}

CK_RV C_Verify(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
               CK_ULONG ulSignatureLen)
{
    if (pData == NULL && ulDataLen > 0)
        return CKR_ARGUMENTS_BAD;
    return verify_finish(hSession, pData, ulDataLen, 1, pSignature, ulSignatureLen);
}

CK_RV C_VerifyFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
    return verify_finish(hSession, NULL, 0, 0, pSignature, ulSignatureLen);
}

/* ---- digests ---- */

CK_RV C_DigestInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism)
{
    gt_session *s;
    CK_RV rv;
    int bits;

    if (pMechanism == NULL)
        return CKR_ARGUMENTS_BAD;
    gt_lock();
    rv = gt_session_get(hSession, &s);
    if (rv != CKR_OK)
        goto out;
    if (s->digest.kind != GT_OP_NONE) {
        rv = CKR_OPERATION_ACTIVE;
        goto out;
    }
    if (pMechanism->mechanism == GT_CKM_GOSTR3411_12_256)
        bits = 256;
    else if (pMechanism->mechanism == GT_CKM_GOSTR3411_12_512)
        bits = 512;
    else {
        rv = CKR_MECHANISM_INVALID;
        goto out;
    }
    if (pMechanism->pParameter != NULL || pMechanism->ulParameterLen != 0) {
        rv = CKR_MECHANISM_PARAM_INVALID;
        goto out;
    }
    rv = gt_md_new(bits, &s->digest.md);
    if (rv == CKR_OK) {
        s->digest.kind = GT_OP_DIGEST;
        s->digest.mech = pMechanism->mechanism;
    }
out:
    gt_unlock();
    return rv;
}

static CK_RV digest_finish(CK_SESSION_HANDLE hSession, const CK_BYTE *data, CK_ULONG len, int single,
                           CK_BYTE_PTR out, CK_ULONG_PTR outlen)
{
    gt_session *s;
    CK_ULONG n;
    unsigned int got;
    CK_RV rv;

    if (outlen == NULL)
        return CKR_ARGUMENTS_BAD;
    gt_lock();
    rv = gt_session_get(hSession, &s);
    if (rv != CKR_OK)
        goto out;
    if (s->digest.kind != GT_OP_DIGEST) {
        rv = CKR_OPERATION_NOT_INITIALIZED;
        goto out;
    }
    n = s->digest.mech == GT_CKM_GOSTR3411_12_512 ? 64 : 32;
    if (out == NULL) {
        *outlen = n;
        goto out;
    }
    if (*outlen < n) {
        *outlen = n;
        rv = CKR_BUFFER_TOO_SMALL;
        goto out;
    }
    if (single)
        rv = op_update(&s->digest, data, len);
    if (rv == CKR_OK)
        rv = EVP_DigestFinal_ex(s->digest.md, out, &got) > 0 ? CKR_OK : CKR_DEVICE_ERROR;
    if (rv == CKR_OK)
        *outlen = got;
    gt_op_reset(&s->digest);
out:
    gt_unlock();
    return rv;
}

CK_RV C_Digest(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pDigest,
               CK_ULONG_PTR pulDigestLen)
{
    if (pData == NULL && ulDataLen > 0)
        return CKR_ARGUMENTS_BAD;
    return digest_finish(hSession, pData, ulDataLen, 1, pDigest, pulDigestLen);
}

CK_RV C_DigestUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
    return update(hSession, GT_OP_DIGEST, pPart, ulPartLen);
}

CK_RV C_DigestFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen)
{
    return digest_finish(hSession, NULL, 0, 0, pDigest, pulDigestLen);
}
