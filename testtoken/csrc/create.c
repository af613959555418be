/*
 * create.c: C_CreateObject (X.509 certificates, GOST public and private
 * keys), C_DestroyObject and C_GenerateKeyPair.
 *
 * Private keys are always sensitive and never extractable: a template
 * asking otherwise is refused with CKR_ATTRIBUTE_VALUE_INVALID.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "gosttoken.h"

/* bool_attr and ulong_attr list the attributes whose size is fixed. */
static int bool_attr(CK_ATTRIBUTE_TYPE t)
{
    switch (t) {
    case CKA_TOKEN: case CKA_PRIVATE: case CKA_MODIFIABLE: case CKA_TRUSTED:
    case CKA_SENSITIVE: case CKA_EXTRACTABLE: case CKA_SIGN: case CKA_VERIFY:
    case CKA_ENCRYPT: case CKA_DECRYPT: case CKA_WRAP: case CKA_UNWRAP:
    case CKA_DERIVE: case CKA_SIGN_RECOVER: case CKA_VERIFY_RECOVER:
    case CKA_LOCAL: case CKA_ALWAYS_SENSITIVE: case CKA_NEVER_EXTRACTABLE:
    case CKA_ALWAYS_AUTHENTICATE: case CKA_WRAP_WITH_TRUSTED: case CKA_COPYABLE:
    case CKA_DESTROYABLE:
        return 1;
    }
    return 0;
}

static int ulong_attr(CK_ATTRIBUTE_TYPE t)
{
    switch (t) {
    case CKA_CLASS: case CKA_KEY_TYPE: case CKA_CERTIFICATE_TYPE:
    case CKA_CERTIFICATE_CATEGORY: case CKA_KEY_GEN_MECHANISM:
        return 1;
    }
    return 0;
}

/* apply copies a caller's template into o, checking what the token
 * decides itself. */
static CK_RV apply(gt_object *o, const CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_OBJECT_CLASS cls)
{
    CK_ULONG i;

    for (i = 0; i < n; i++) {
        const CK_ATTRIBUTE *a = &tmpl[i];
        if (a->pValue == NULL && a->ulValueLen > 0)
            return CKR_ATTRIBUTE_VALUE_INVALID;
        if ((bool_attr(a->type) && a->ulValueLen != sizeof(CK_BBOOL)) ||
            (ulong_attr(a->type) && a->ulValueLen != sizeof(CK_ULONG)))
            return CKR_ATTRIBUTE_VALUE_INVALID;
        switch (a->type) {
        case CKA_LOCAL:
        case CKA_ALWAYS_SENSITIVE:
        case CKA_NEVER_EXTRACTABLE:
        case CKA_KEY_GEN_MECHANISM:
            return CKR_ATTRIBUTE_READ_ONLY;
        case CKA_SENSITIVE:
            if (cls == CKO_PRIVATE_KEY && !*(CK_BBOOL *)a->pValue)
                return CKR_ATTRIBUTE_VALUE_INVALID;
            break;
        case CKA_EXTRACTABLE:
            if (cls == CKO_PRIVATE_KEY && *(CK_BBOOL *)a->pValue)
                return CKR_ATTRIBUTE_VALUE_INVALID;
            break;
        case CKA_CLASS:
            if (*(CK_ULONG *)a->pValue != cls)
                return CKR_TEMPLATE_INCONSISTENT;
            break;
        }
        if (!gt_obj_set(o, a->type, a->pValue, a->ulValueLen))
            return CKR_HOST_MEMORY;
    }
    return CKR_OK;
}

static int dflt(gt_object *o, CK_ATTRIBUTE_TYPE t, const void *v, CK_ULONG len)
{
    return gt_obj_get(o, t) != NULL || gt_obj_set(o, t, v, len);
}

static int dflt_bool(gt_object *o, CK_ATTRIBUTE_TYPE t, CK_BBOOL v)
{
    return dflt(o, t, &v, sizeof v);
}

static int dflt_ulong(gt_object *o, CK_ATTRIBUTE_TYPE t, CK_ULONG v)
{
    return dflt(o, t, &v, sizeof v);
}

static int common_defaults(gt_object *o, CK_BBOOL priv)
{
    return dflt_bool(o, CKA_TOKEN, CK_FALSE) && dflt_bool(o, CKA_PRIVATE, priv) &&
           dflt_bool(o, CKA_MODIFIABLE, CK_TRUE) && dflt(o, CKA_LABEL, "", 0) &&
           dflt_bool(o, CKA_COPYABLE, CK_FALSE) && dflt_bool(o, CKA_DESTROYABLE, CK_TRUE);
}

/* key_defaults completes a GOST key object; local tells whether the key
 * was generated on the token. */
static CK_RV key_defaults(gt_object *o, CK_OBJECT_CLASS cls, int bits, int local, CK_MECHANISM_TYPE gen)
{
    CK_ULONG dlen;
    const CK_BYTE *dig = gt_digest_oid(bits, &dlen);
    CK_KEY_TYPE kt = bits == 512 ? GT_CKK_GOSTR3410_512 : CKK_GOSTR3410;
    int ok;

    if (gt_obj_ulong(o, CKA_KEY_TYPE, kt) != kt)
        return CKR_TEMPLATE_INCONSISTENT;
    ok = gt_obj_set_ulong(o, CKA_CLASS, cls) && gt_obj_set_ulong(o, CKA_KEY_TYPE, kt) &&
         common_defaults(o, cls == CKO_PRIVATE_KEY) && dflt(o, CKA_ID, "", 0) &&
         dflt(o, CKA_START_DATE, "", 0) && dflt(o, CKA_END_DATE, "", 0) &&
         dflt_bool(o, CKA_DERIVE, CK_FALSE) && gt_obj_set_bool(o, CKA_LOCAL, local ? CK_TRUE : CK_FALSE) &&
         gt_obj_set_ulong(o, CKA_KEY_GEN_MECHANISM, local ? gen : CK_UNAVAILABLE_INFORMATION) &&
         dflt(o, CKA_GOSTR3411_PARAMS, dig, dlen) && dflt(o, CKA_SUBJECT, "", 0);
    if (ok && cls == CKO_PRIVATE_KEY)
        ok = gt_obj_set_bool(o, CKA_SENSITIVE, CK_TRUE) && gt_obj_set_bool(o, CKA_EXTRACTABLE, CK_FALSE) &&
             gt_obj_set_bool(o, CKA_ALWAYS_SENSITIVE, local ? CK_TRUE : CK_FALSE) &&
             gt_obj_set_bool(o, CKA_NEVER_EXTRACTABLE, local ? CK_TRUE : CK_FALSE) &&
             dflt_bool(o, CKA_SIGN, CK_TRUE) && dflt_bool(o, CKA_DECRYPT, CK_FALSE) &&
             dflt_bool(o, CKA_UNWRAP, CK_FALSE) && dflt_bool(o, CKA_SIGN_RECOVER, CK_FALSE) &&
             dflt_bool(o, CKA_ALWAYS_AUTHENTICATE, CK_FALSE) &&
             dflt_bool(o, CKA_WRAP_WITH_TRUSTED, CK_FALSE);
    if (ok && cls == CKO_PUBLIC_KEY)
        ok = dflt_bool(o, CKA_VERIFY, CK_TRUE) && dflt_bool(o, CKA_ENCRYPT, CK_FALSE) &&
             dflt_bool(o, CKA_WRAP, CK_FALSE) && dflt_bool(o, CKA_VERIFY_RECOVER, CK_FALSE) &&
             dflt_bool(o, CKA_TRUSTED, CK_FALSE);
    return ok ? CKR_OK : CKR_HOST_MEMORY;
}

/* key_bits reads CKA_GOSTR3410_PARAMS: 256, 512, or 0 when absent or not
 * a GOST 2012 parameter set. */
static int key_bits(const gt_object *o, const char **paramset)
{
    const gt_attr *a = gt_obj_get(o, CKA_GOSTR3410_PARAMS);
    return a == NULL ? 0 : gt_params_bits(a->val, a->len, paramset);
}

static CK_RV cert_object(gt_object *o)
{
    const gt_attr *v = gt_obj_get(o, CKA_VALUE);
    const unsigned char *p;
    unsigned char *der = NULL;
    X509 *x;
    int n, ok = 1;

    if (gt_obj_ulong(o, CKA_CERTIFICATE_TYPE, CKC_X_509) != CKC_X_509)
        return CKR_ATTRIBUTE_VALUE_INVALID;
    if (v == NULL || v->len == 0)
        return CKR_TEMPLATE_INCOMPLETE;
    p = v->val;
    x = d2i_X509(NULL, &p, (long)v->len);
    if (x == NULL || p != v->val + v->len) {
        X509_free(x);
        return CKR_ATTRIBUTE_VALUE_INVALID;
    }
    if (gt_obj_get(o, CKA_SUBJECT) == NULL) {
        n = i2d_X509_NAME(X509_get_subject_name(x), &der);
        ok = n > 0 && gt_obj_set(o, CKA_SUBJECT, der, (CK_ULONG)n);
        OPENSSL_free(der);
        der = NULL;
    }
    if (ok && gt_obj_get(o, CKA_ISSUER) == NULL) {
        n = i2d_X509_NAME(X509_get_issuer_name(x), &der);
        ok = n > 0 && gt_obj_set(o, CKA_ISSUER, der, (CK_ULONG)n);
        OPENSSL_free(der);
        der = NULL;
    }
    if (ok && gt_obj_get(o, CKA_SERIAL_NUMBER) == NULL) {
        n = i2d_ASN1_INTEGER(X509_get_serialNumber(x), &der);
        ok = n > 0 && gt_obj_set(o, CKA_SERIAL_NUMBER, der, (CK_ULONG)n);
        OPENSSL_free(der);
    }
    X509_free(x);
    if (!ok)
        return CKR_HOST_MEMORY;
    ok = gt_obj_set_ulong(o, CKA_CERTIFICATE_TYPE, CKC_X_509) && common_defaults(o, CK_FALSE) &&
         dflt(o, CKA_ID, "", 0) && dflt_bool(o, CKA_TRUSTED, CK_FALSE) &&
         dflt_ulong(o, CKA_CERTIFICATE_CATEGORY, 0) && dflt(o, CKA_START_DATE, "", 0) &&
         dflt(o, CKA_END_DATE, "", 0) && dflt(o, CKA_URL, "", 0);
    return ok ? CKR_OK : CKR_HOST_MEMORY;
}

/* imported_key checks an imported GOST key by loading it into OpenSSL. */
static CK_RV imported_key(gt_object *o, CK_OBJECT_CLASS cls)
{
    const gt_attr *params = gt_obj_get(o, CKA_GOSTR3410_PARAMS), *v = gt_obj_get(o, CKA_VALUE);
    int bits = key_bits(o, NULL);
    CK_ULONG i;
    CK_RV rv;

    if (params == NULL || v == NULL)
        return CKR_TEMPLATE_INCOMPLETE;
    if (bits == 0)
        return CKR_ATTRIBUTE_VALUE_INVALID;
    if (v->len != (CK_ULONG)(cls == CKO_PRIVATE_KEY ? bits / 8 : bits / 4))
        return CKR_ATTRIBUTE_VALUE_INVALID;
    /* The engine takes a zero scalar; a token must not. */
    for (i = 0; i < v->len && v->val[i] == 0; i++)
        ;
    if (i == v->len)
        return CKR_ATTRIBUTE_VALUE_INVALID;
    rv = key_defaults(o, cls, bits, 0, 0);
    if (rv != CKR_OK)
        return rv;
    /* key_defaults may have moved the attributes. */
    params = gt_obj_get(o, CKA_GOSTR3410_PARAMS);
    v = gt_obj_get(o, CKA_VALUE);
    if (cls == CKO_PRIVATE_KEY)
        rv = gt_key_private(bits, params->val, params->len, v->val, &o->pkey);
    else
        rv = gt_key_public(bits, params->val, params->len, v->val, &o->pkey);
    return rv == CKR_OK ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
}

/* admit checks that session s may hold o and links it in. */
static CK_RV admit(gt_session *s, gt_object *o)
{
    o->on_token = gt_obj_bool(o, CKA_TOKEN, CK_FALSE);
    if (o->on_token && !(s->flags & CKF_RW_SESSION))
        return CKR_SESSION_READ_ONLY;
    if (gt_obj_bool(o, CKA_PRIVATE, CK_FALSE) && s->slot->login != CKU_USER)
        return CKR_USER_NOT_LOGGED_IN;
    o->owner = s->handle;
    o->handle = gt_object_handle();
    o->next = s->slot->tok.objects;
    s->slot->tok.objects = o;
    return CKR_OK;
}

CK_RV C_CreateObject(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
                     CK_OBJECT_HANDLE_PTR phObject)
{
    gt_session *s;
    gt_object *o = NULL;
    CK_OBJECT_CLASS cls = CK_UNAVAILABLE_INFORMATION;
    CK_ULONG i;
    CK_RV rv;

    if ((pTemplate == NULL && ulCount > 0) || phObject == NULL)
        return CKR_ARGUMENTS_BAD;
    for (i = 0; i < ulCount; i++)
        if (pTemplate[i].type == CKA_CLASS && pTemplate[i].pValue != NULL &&
            pTemplate[i].ulValueLen == sizeof(CK_ULONG))
            memcpy(&cls, pTemplate[i].pValue, sizeof cls);
    gt_lock();
    rv = gt_session_get(hSession, &s);
    if (rv != CKR_OK)
        goto out;
    if (cls == CK_UNAVAILABLE_INFORMATION) {
        rv = CKR_TEMPLATE_INCOMPLETE;
        goto out;
    }
    o = gt_obj_new();
    if (o == NULL) {
        rv = CKR_HOST_MEMORY;
        goto out;
    }
    rv = apply(o, pTemplate, ulCount, cls);
    if (rv != CKR_OK)
        goto out;
    switch (cls) {
    case CKO_CERTIFICATE:
        rv = cert_object(o);
        break;
    case CKO_PUBLIC_KEY:
    case CKO_PRIVATE_KEY:
        rv = imported_key(o, cls);
        break;
    default:
        rv = CKR_ATTRIBUTE_VALUE_INVALID;
    }
    if (rv == CKR_OK)
        rv = admit(s, o);
    if (rv != CKR_OK)
        goto out;
    *phObject = o->handle;
    if (o->on_token)
        rv = gt_token_save(s->slot);
    o = NULL;
out:
    gt_obj_free(o);
    gt_unlock();
    return rv;
}

CK_RV C_DestroyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject)
{
    gt_session *s;
    gt_object *o, **pp;
    CK_RV rv;

    gt_lock();
    rv = gt_session_get(hSession, &s);
    if (rv != CKR_OK)
        goto out;
    o = gt_object_find(s, hObject);
    if (o == NULL) {
        rv = CKR_OBJECT_HANDLE_INVALID;
        goto out;
    }
    if (o->on_token && !(s->flags & CKF_RW_SESSION)) {
        rv = CKR_SESSION_READ_ONLY;
        goto out;
    }
    for (pp = &s->slot->tok.objects; *pp != o; pp = &(*pp)->next)
        ;
    *pp = o->next;
    if (o->on_token)
        rv = gt_token_save(s->slot);
    gt_obj_free(o);
out:
    gt_unlock();
    return rv;
}

/* ---- C_GenerateKeyPair ---- */

static const CK_ATTRIBUTE *find_attr(const CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE_TYPE type)
{
    CK_ULONG i;
    for (i = 0; i < n; i++)
        if (t[i].type == type)
            return &t[i];
    return NULL;
}

CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                        CK_ATTRIBUTE_PTR pPublicKeyTemplate, CK_ULONG ulPublicKeyAttributeCount,
                        CK_ATTRIBUTE_PTR pPrivateKeyTemplate, CK_ULONG ulPrivateKeyAttributeCount,
                        CK_OBJECT_HANDLE_PTR phPublicKey, CK_OBJECT_HANDLE_PTR phPrivateKey)
{
    gt_session *s;
    gt_object *pub = NULL, *priv = NULL;
    const CK_ATTRIBUTE *params;
    const char *paramset = NULL;
    unsigned char pubval[128], privval[64];
    int bits, want, save;
    CK_RV rv;

    if (pMechanism == NULL || phPublicKey == NULL || phPrivateKey == NULL ||
        (pPublicKeyTemplate == NULL && ulPublicKeyAttributeCount > 0) ||
        (pPrivateKeyTemplate == NULL && ulPrivateKeyAttributeCount > 0))
        return CKR_ARGUMENTS_BAD;
    if (pMechanism->mechanism == CKM_GOSTR3410_KEY_PAIR_GEN)
        want = 256;
    else if (pMechanism->mechanism == GT_CKM_GOSTR3410_512_KEY_PAIR_GEN)
        want = 512;
    else
        return CKR_MECHANISM_INVALID;

    gt_lock();
    rv = gt_session_get(hSession, &s);
    if (rv != CKR_OK)
        goto out;
    params = find_attr(pPublicKeyTemplate, ulPublicKeyAttributeCount, CKA_GOSTR3410_PARAMS);
    if (params == NULL)
        params = find_attr(pPrivateKeyTemplate, ulPrivateKeyAttributeCount, CKA_GOSTR3410_PARAMS);
    if (params == NULL || params->pValue == NULL) {
        rv = CKR_TEMPLATE_INCOMPLETE;
        goto out;
    }
    bits = gt_params_bits(params->pValue, params->ulValueLen, &paramset);
    if (bits != want) {
        rv = bits == 0 ? CKR_ATTRIBUTE_VALUE_INVALID : CKR_TEMPLATE_INCONSISTENT;
        goto out;
    }
    pub = gt_obj_new();
    priv = gt_obj_new();
    if (pub == NULL || priv == NULL) {
        rv = CKR_HOST_MEMORY;
        goto out;
    }
    rv = apply(pub, pPublicKeyTemplate, ulPublicKeyAttributeCount, CKO_PUBLIC_KEY);
    if (rv == CKR_OK)
        rv = apply(priv, pPrivateKeyTemplate, ulPrivateKeyAttributeCount, CKO_PRIVATE_KEY);
    if (rv == CKR_OK && find_attr(pPublicKeyTemplate, ulPublicKeyAttributeCount, CKA_VALUE) != NULL)
        rv = CKR_ATTRIBUTE_READ_ONLY;
    if (rv == CKR_OK && find_attr(pPrivateKeyTemplate, ulPrivateKeyAttributeCount, CKA_VALUE) != NULL)
        rv = CKR_ATTRIBUTE_READ_ONLY;
    if (rv != CKR_OK)
        goto out;
    /* Both halves carry the same parameters. */
    if (!gt_obj_set(pub, CKA_GOSTR3410_PARAMS, params->pValue, params->ulValueLen) ||
        !gt_obj_set(priv, CKA_GOSTR3410_PARAMS, params->pValue, params->ulValueLen)) {
        rv = CKR_HOST_MEMORY;
        goto out;
    }
    if (gt_obj_get(priv, CKA_GOSTR3411_PARAMS) == NULL && gt_obj_get(pub, CKA_GOSTR3411_PARAMS) != NULL) {
        const gt_attr *d = gt_obj_get(pub, CKA_GOSTR3411_PARAMS);
        if (!gt_obj_set(priv, CKA_GOSTR3411_PARAMS, d->val, d->len)) {
            rv = CKR_HOST_MEMORY;
            goto out;
        }
    }
    rv = key_defaults(pub, CKO_PUBLIC_KEY, bits, 1, pMechanism->mechanism);
    if (rv == CKR_OK)
        rv = key_defaults(priv, CKO_PRIVATE_KEY, bits, 1, pMechanism->mechanism);
    if (rv != CKR_OK)
        goto out;
    /* Check the session rights before the (slow) generation. */
    if ((gt_obj_bool(pub, CKA_TOKEN, CK_FALSE) || gt_obj_bool(priv, CKA_TOKEN, CK_FALSE)) &&
        !(s->flags & CKF_RW_SESSION)) {
        rv = CKR_SESSION_READ_ONLY;
        goto out;
    }
    if ((gt_obj_bool(pub, CKA_PRIVATE, CK_FALSE) || gt_obj_bool(priv, CKA_PRIVATE, CK_TRUE)) &&
        s->slot->login != CKU_USER) {
        rv = CKR_USER_NOT_LOGGED_IN;
        goto out;
    }
    rv = gt_keygen(bits, paramset, privval, pubval);
    if (rv == CKR_OK && (!gt_obj_set(pub, CKA_VALUE, pubval, (CK_ULONG)bits / 4) ||
                         !gt_obj_set(priv, CKA_VALUE, privval, (CK_ULONG)bits / 8)))
        rv = CKR_HOST_MEMORY;
    OPENSSL_cleanse(privval, sizeof privval);
    if (rv != CKR_OK)
        goto out;
    save = gt_obj_bool(pub, CKA_TOKEN, CK_FALSE) || gt_obj_bool(priv, CKA_TOKEN, CK_FALSE);
    rv = admit(s, pub);
    if (rv != CKR_OK)
        goto out;
    *phPublicKey = pub->handle;
    pub = NULL;
    rv = admit(s, priv);
    if (rv != CKR_OK)
        goto out; /* cannot happen after the checks above */
    *phPrivateKey = priv->handle;
    priv = NULL;
    if (save)
        rv = gt_token_save(s->slot);
out:
    gt_obj_free(pub);
    gt_obj_free(priv);
    gt_unlock();
    return rv;
}
