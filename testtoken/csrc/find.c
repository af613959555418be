/*
 * find.c: C_FindObjectsInit, C_FindObjects, C_FindObjectsFinal.
 *
 * The search is evaluated at C_FindObjectsInit: the session keeps the
 * matching handles and hands them out.
 */
#include <stdlib.h>

#include "gosttoken.h"

CK_RV C_FindObjectsInit(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
    gt_fault("C_FindObjectsInit");
    gt_session *s;
    gt_object *o;
    size_t n = 0;
    CK_RV rv;

    if (pTemplate == NULL && ulCount > 0)
        return CKR_ARGUMENTS_BAD;
    gt_lock();
    rv = gt_session_get(hSession, &s);
    if (rv != CKR_OK)
        goto out;
    if (s->finding) {
        rv = CKR_OPERATION_ACTIVE;
        goto out;
    }
    for (o = s->slot->tok.objects; o != NULL; o = o->next)
        n++;
    free(s->found);
    s->found = calloc(n + 1, sizeof(CK_OBJECT_HANDLE));
    if (s->found == NULL) {
        rv = CKR_HOST_MEMORY;
        goto out;
    }
    s->nfound = 0;
    s->pos = 0;
    for (o = s->slot->tok.objects; o != NULL; o = o->next)
        if (gt_object_visible(s, o) && gt_obj_matches(o, pTemplate, ulCount))
            s->found[s->nfound++] = o->handle;
    s->finding = 1;
out:
    gt_unlock();
    return rv;
}

CK_RV C_FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject, CK_ULONG ulMaxObjectCount,
                    CK_ULONG_PTR pulObjectCount)
{
    gt_fault("C_FindObjects");
    gt_session *s;
    CK_RV rv;

    if (phObject == NULL || pulObjectCount == NULL)
        return CKR_ARGUMENTS_BAD;
    gt_sleep_ms(gt_list_delay());
    gt_lock();
    rv = gt_session_get(hSession, &s);
    if (rv == CKR_OK && !s->finding)
        rv = CKR_OPERATION_NOT_INITIALIZED;
    if (rv == CKR_OK) {
        *pulObjectCount = 0;
        while (*pulObjectCount < ulMaxObjectCount && s->pos < s->nfound)
            phObject[(*pulObjectCount)++] = s->found[s->pos++];
    }
    gt_unlock();
    return rv;
}

CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE hSession)
{
    gt_fault("C_FindObjectsFinal");
    gt_session *s;
    CK_RV rv;

    gt_lock();
    rv = gt_session_get(hSession, &s);
    if (rv == CKR_OK && !s->finding)
        rv = CKR_OPERATION_NOT_INITIALIZED;
    if (rv == CKR_OK) {
        free(s->found);
        s->found = NULL;
        s->nfound = s->pos = 0;
        s->finding = 0;
    }
    gt_unlock();
    return rv;
}
