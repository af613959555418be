/*
 * object.c: objects as lists of attributes.
 *
 * An object owns copies of its attribute values; the caller holds the
 * module lock.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "gosttoken.h"

gt_object *gt_obj_new(void)
{
    return calloc(1, sizeof(gt_object));
}

void gt_obj_free(gt_object *o)
{
    size_t i;

    if (o == NULL)
        return;
    for (i = 0; i < o->nattrs; i++) {
        if (o->attrs[i].val != NULL) {
            OPENSSL_cleanse(o->attrs[i].val, o->attrs[i].len);
            free(o->attrs[i].val);
        }
    }
    free(o->attrs);
    EVP_PKEY_free(o->pkey);
    free(o);
}

void gt_obj_free_list(gt_object *o)
{
    while (o != NULL) {
        gt_object *next = o->next;
        gt_obj_free(o);
        o = next;
    }
}

const gt_attr *gt_obj_get(const gt_object *o, CK_ATTRIBUTE_TYPE type)
{
    size_t i;

    for (i = 0; i < o->nattrs; i++)
        if (o->attrs[i].type == type)
            return &o->attrs[i];
    return NULL;
}

/* gt_obj_set stores a copy of val; it returns 0 when memory runs out. */
int gt_obj_set(gt_object *o, CK_ATTRIBUTE_TYPE type, const void *val, CK_ULONG len)
{
    CK_BYTE *copy = NULL;
    size_t i;

    if (len > 0) {
        copy = malloc(len);
        if (copy == NULL)
            return 0;
        memcpy(copy, val, len);
    }
    for (i = 0; i < o->nattrs; i++) {
        if (o->attrs[i].type == type) {
            if (o->attrs[i].val != NULL) {
                OPENSSL_cleanse(o->attrs[i].val, o->attrs[i].len);
                free(o->attrs[i].val);
            }
            o->attrs[i].val = copy;
            o->attrs[i].len = len;
            return 1;
        }
    }
    gt_attr *grown = realloc(o->attrs, (o->nattrs + 1) * sizeof(gt_attr));
    if (grown == NULL) {
        free(copy);
        return 0;
    }
    o->attrs = grown;
    o->attrs[o->nattrs].type = type;
    o->attrs[o->nattrs].val = copy;
    o->attrs[o->nattrs].len = len;
    o->nattrs++;
    return 1;
}

int gt_obj_set_ulong(gt_object *o, CK_ATTRIBUTE_TYPE type, CK_ULONG v)
{
    return gt_obj_set(o, type, &v, sizeof v);
}

int gt_obj_set_bool(gt_object *o, CK_ATTRIBUTE_TYPE type, CK_BBOOL v)
{
    return gt_obj_set(o, type, &v, sizeof v);
}

CK_BBOOL gt_obj_bool(const gt_object *o, CK_ATTRIBUTE_TYPE type, CK_BBOOL dflt)
{
    const gt_attr *a = gt_obj_get(o, type);
    if (a == NULL || a->len != sizeof(CK_BBOOL))
        return dflt;
    return a->val[0] ? CK_TRUE : CK_FALSE;
}

CK_ULONG gt_obj_ulong(const gt_object *o, CK_ATTRIBUTE_TYPE type, CK_ULONG dflt)
{
    const gt_attr *a = gt_obj_get(o, type);
    CK_ULONG v;
    if (a == NULL || a->len != sizeof(CK_ULONG))
        return dflt;
    memcpy(&v, a->val, sizeof v);
    return v;
}

/* gt_obj_sensitive tells whether an attribute's value must not leave the
 * token: the value of a private key. */
static int sensitive(const gt_object *o, CK_ATTRIBUTE_TYPE type)
{
    return type == CKA_VALUE && gt_obj_ulong(o, CKA_CLASS, CK_UNAVAILABLE_INFORMATION) == CKO_PRIVATE_KEY;
}

/* gt_obj_matches tells whether o has every attribute of the template with
 * the same value (C_FindObjectsInit). Sensitive values never match. */
int gt_obj_matches(const gt_object *o, const CK_ATTRIBUTE *tmpl, CK_ULONG n)
{
    CK_ULONG i;

    for (i = 0; i < n; i++) {
        const gt_attr *a = gt_obj_get(o, tmpl[i].type);
        if (a == NULL || sensitive(o, tmpl[i].type) || a->len != tmpl[i].ulValueLen)
            return 0;
        if (a->len > 0 && (tmpl[i].pValue == NULL || memcmp(a->val, tmpl[i].pValue, a->len) != 0))
            return 0;
    }
    return 1;
}

/* ---- C_GetAttributeValue and friends ---- */

CK_RV C_GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                          CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
    gt_fault("C_GetAttributeValue");
    gt_session *s;
    gt_object *o;
    CK_RV rv, result = CKR_OK;
    CK_ULONG i;

    if (pTemplate == NULL && ulCount > 0)
        return CKR_ARGUMENTS_BAD;
    gt_lock();
    rv = gt_session_get(hSession, &s);
    if (rv != CKR_OK)
        goto out;
    o = gt_object_find(s, hObject);
    if (o == NULL) {
        rv = CKR_OBJECT_HANDLE_INVALID;
        goto out;
    }
    for (i = 0; i < ulCount; i++) {
        const gt_attr *a = gt_obj_get(o, pTemplate[i].type);
        if (a == NULL) {
            pTemplate[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
            result = CKR_ATTRIBUTE_TYPE_INVALID;
        } else if (sensitive(o, a->type)) {
            pTemplate[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
            if (result == CKR_OK)
                result = CKR_ATTRIBUTE_SENSITIVE;
        } else if (pTemplate[i].pValue == NULL) {
            pTemplate[i].ulValueLen = a->len;
        } else if (pTemplate[i].ulValueLen < a->len) {
            pTemplate[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
            if (result == CKR_OK)
                result = CKR_BUFFER_TOO_SMALL;
        } else {
            if (a->len > 0)
                memcpy(pTemplate[i].pValue, a->val, a->len);
            pTemplate[i].ulValueLen = a->len;
        }
    }
    rv = result;
out:
    gt_unlock();
    return rv;
}

CK_RV C_GetObjectSize(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ULONG_PTR pulSize)
{
    gt_session *s;
    gt_object *o;
    CK_RV rv;
    size_t i;

    if (pulSize == NULL)
        return CKR_ARGUMENTS_BAD;
    gt_lock();
    rv = gt_session_get(hSession, &s);
    if (rv == CKR_OK) {
        o = gt_object_find(s, hObject);
        if (o == NULL) {
            rv = CKR_OBJECT_HANDLE_INVALID;
        } else {
            *pulSize = 0;
            for (i = 0; i < o->nattrs; i++)
                *pulSize += o->attrs[i].len + sizeof(CK_ATTRIBUTE_TYPE);
        }
    }
    gt_unlock();
    return rv;
}

/* settable lists the attributes C_SetAttributeValue may change. */
static int settable(CK_ATTRIBUTE_TYPE t)
{
    switch (t) {
    case CKA_LABEL:
    case CKA_ID:
    case CKA_SUBJECT:
    case CKA_START_DATE:
    case CKA_END_DATE:
        return 1;
    }
    return 0;
}

CK_RV C_SetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                          CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
    gt_session *s;
    gt_object *o;
    CK_RV rv;
    CK_ULONG i;

    if (pTemplate == NULL && ulCount > 0)
        return CKR_ARGUMENTS_BAD;
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
    if (!gt_obj_bool(o, CKA_MODIFIABLE, CK_TRUE)) {
        rv = CKR_ATTRIBUTE_READ_ONLY;
        goto out;
    }
    for (i = 0; i < ulCount; i++) {
        if (!settable(pTemplate[i].type)) {
            rv = CKR_ATTRIBUTE_READ_ONLY;
            goto out;
        }
        if (pTemplate[i].pValue == NULL && pTemplate[i].ulValueLen > 0) {
            rv = CKR_ATTRIBUTE_VALUE_INVALID;
            goto out;
        }
    }
    for (i = 0; i < ulCount; i++) {
        if (!gt_obj_set(o, pTemplate[i].type, pTemplate[i].pValue, pTemplate[i].ulValueLen)) {
            rv = CKR_HOST_MEMORY;
            goto out;
        }
    }
    if (o->on_token)
        rv = gt_token_save(s->slot);
out:
    gt_unlock();
    return rv;
}
