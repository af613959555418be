/*
 * slot.c: slots, tokens and mechanisms (C_GetSlotList, C_GetSlotInfo,
 * C_GetTokenInfo, C_GetMechanismList, C_GetMechanismInfo, C_InitToken).
 */
#include <stdio.h>
#include <string.h>

#include "gosttoken.h"

gt_slot *gt_slot_find(CK_SLOT_ID id)
{
    return id < g.nslots ? &g.slots[id] : NULL;
}

/* gt_slot_ready looks the slot up and checks that a token is in it. The
 * caller holds the lock. */
CK_RV gt_slot_ready(CK_SLOT_ID id, gt_slot **out)
{
    gt_slot *s;

    if (!g.initialized)
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    gt_control_refresh();
    s = gt_slot_find(id);
    if (s == NULL)
        return CKR_SLOT_ID_INVALID;
    if (!s->present)
        return CKR_TOKEN_NOT_PRESENT;
    gt_token_refresh(s);
    *out = s;
    return CKR_OK;
}

/* gt_slot_removed forgets what only lived while the token was in: the
 * login state and session objects. Sessions notice through the slot's
 * generation. */
void gt_slot_removed(gt_slot *s)
{
    gt_object **pp = &s->tok.objects;

    s->login = GT_NO_USER;
    while (*pp != NULL) {
        gt_object *o = *pp;
        if (!o->on_token) {
            *pp = o->next;
            gt_obj_free(o);
        } else {
            pp = &o->next;
        }
    }
}

CK_RV C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount)
{
    gt_fault("C_GetSlotList");
    CK_ULONG n = 0;
    size_t i;
    CK_RV rv = CKR_OK;

    if (pulCount == NULL)
        return CKR_ARGUMENTS_BAD;
    gt_sleep_ms(gt_list_delay());
    gt_lock();
    if (!g.initialized) {
        rv = CKR_CRYPTOKI_NOT_INITIALIZED;
        goto out;
    }
    gt_control_refresh();
    for (i = 0; i < g.nslots; i++)
        if (!tokenPresent || g.slots[i].present)
            n++;
    if (pSlotList != NULL) {
        if (*pulCount < n) {
            rv = CKR_BUFFER_TOO_SMALL;
        } else {
            n = 0;
            for (i = 0; i < g.nslots; i++)
                if (!tokenPresent || g.slots[i].present)
                    pSlotList[n++] = g.slots[i].id;
        }
    }
    *pulCount = n;
out:
    gt_unlock();
    return rv;
}

CK_RV C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo)
{
    gt_fault("C_GetSlotInfo");
    gt_slot *s;
    char desc[96];
    CK_RV rv = CKR_OK;

    if (pInfo == NULL)
        return CKR_ARGUMENTS_BAD;
    gt_lock();
    if (!g.initialized) {
        rv = CKR_CRYPTOKI_NOT_INITIALIZED;
        goto out;
    }
    gt_control_refresh();
    s = gt_slot_find(slotID);
    if (s == NULL) {
        rv = CKR_SLOT_ID_INVALID;
        goto out;
    }
    memset(pInfo, 0, sizeof *pInfo);
    snprintf(desc, sizeof desc, "Zavera GOST test slot %s", s->name);
    gt_pad(pInfo->slotDescription, sizeof pInfo->slotDescription, desc);
    gt_pad(pInfo->manufacturerID, sizeof pInfo->manufacturerID, "Zavera");
    pInfo->flags = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT | (s->present ? CKF_TOKEN_PRESENT : 0);
    pInfo->hardwareVersion.major = 1;
    pInfo->firmwareVersion.major = 1;
out:
    gt_unlock();
    return rv;
}

static CK_FLAGS pin_flags(const gt_pin *p, CK_ULONG max, CK_FLAGS low, CK_FLAGS final, CK_FLAGS locked)
{
    if (p->tries == 0)
        return locked;
    if (p->tries == 1)
        return low | final;
    if (p->tries < max)
        return low;
    return 0;
}

CK_RV C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
    gt_fault("C_GetTokenInfo");
    gt_slot *s;
    gt_session *ss;
    CK_RV rv;
    const gt_token *t;

    if (pInfo == NULL)
        return CKR_ARGUMENTS_BAD;
    gt_lock();
    rv = gt_slot_ready(slotID, &s);
    if (rv != CKR_OK)
        goto out;
    t = &s->tok;
    memset(pInfo, 0, sizeof *pInfo);
    gt_pad(pInfo->label, sizeof pInfo->label, t->initialized ? t->label : "");
    gt_pad(pInfo->manufacturerID, sizeof pInfo->manufacturerID, "Zavera");
    gt_pad(pInfo->model, sizeof pInfo->model, "GOST test token");
    gt_pad(pInfo->serialNumber, sizeof pInfo->serialNumber, s->serial);
    pInfo->flags = CKF_RNG | CKF_LOGIN_REQUIRED;
    if (t->initialized)
        pInfo->flags |= CKF_TOKEN_INITIALIZED;
    if (t->user.set)
        pInfo->flags |= CKF_USER_PIN_INITIALIZED;
    if (s->ctl.pinpad != GT_PINPAD_NONE)
        pInfo->flags |= CKF_PROTECTED_AUTHENTICATION_PATH;
    pInfo->flags |= pin_flags(&t->user, g.max_user_tries, CKF_USER_PIN_COUNT_LOW,
                              CKF_USER_PIN_FINAL_TRY, CKF_USER_PIN_LOCKED);
    pInfo->flags |= pin_flags(&t->so, g.max_so_tries, CKF_SO_PIN_COUNT_LOW,
                              CKF_SO_PIN_FINAL_TRY, CKF_SO_PIN_LOCKED);
    pInfo->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
    pInfo->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
    for (ss = g.sessions; ss != NULL; ss = ss->next) {
        if (ss->slot != s || ss->generation != s->generation)
            continue;
        pInfo->ulSessionCount++;
        if (ss->flags & CKF_RW_SESSION)
            pInfo->ulRwSessionCount++;
    }
    pInfo->ulMaxPinLen = GT_MAX_PIN;
    pInfo->ulMinPinLen = GT_MIN_PIN;
    pInfo->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
    pInfo->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
    pInfo->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
    pInfo->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
    pInfo->hardwareVersion.major = 1;
    pInfo->firmwareVersion.major = 1;
out:
    gt_unlock();
    return rv;
}

/* ---- mechanisms ---- */

static const struct {
    CK_MECHANISM_TYPE type;
    CK_MECHANISM_INFO info;
} mechanisms[] = {
    {CKM_GOSTR3410_KEY_PAIR_GEN, {256, 256, CKF_HW | CKF_GENERATE_KEY_PAIR}},
    {GT_CKM_GOSTR3410_512_KEY_PAIR_GEN, {512, 512, CKF_HW | CKF_GENERATE_KEY_PAIR}},
    {CKM_GOSTR3410, {256, 256, CKF_HW | CKF_SIGN | CKF_VERIFY}},
    {GT_CKM_GOSTR3410_512, {512, 512, CKF_HW | CKF_SIGN | CKF_VERIFY}},
    {GT_CKM_GOSTR3410_WITH_GOSTR3411_12_256, {256, 256, CKF_HW | CKF_SIGN | CKF_VERIFY}},
    {GT_CKM_GOSTR3410_WITH_GOSTR3411_12_512, {512, 512, CKF_HW | CKF_SIGN | CKF_VERIFY}},
    {GT_CKM_GOSTR3411_12_256, {0, 0, CKF_HW | CKF_DIGEST}},
    {GT_CKM_GOSTR3411_12_512, {0, 0, CKF_HW | CKF_DIGEST}},
};

#define NMECH (sizeof mechanisms / sizeof mechanisms[0])

CK_RV C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList, CK_ULONG_PTR pulCount)
{
    gt_fault("C_GetMechanismList");
    gt_slot *s;
    CK_RV rv;
    size_t i;

    if (pulCount == NULL)
        return CKR_ARGUMENTS_BAD;
    gt_lock();
    rv = gt_slot_ready(slotID, &s);
    if (rv == CKR_OK) {
        CK_ULONG n = 0;
        for (i = 0; i < NMECH; i++)
            if (gt_mech_offered(s, mechanisms[i].type))
                n++;
        if (pMechanismList != NULL && *pulCount < n) {
            rv = CKR_BUFFER_TOO_SMALL;
        } else if (pMechanismList != NULL) {
            n = 0;
            for (i = 0; i < NMECH; i++)
                if (gt_mech_offered(s, mechanisms[i].type))
                    pMechanismList[n++] = mechanisms[i].type;
        }
        *pulCount = n;
    }
    gt_unlock();
    return rv;
}

CK_RV C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo)
{
    gt_slot *s;
    CK_RV rv;
    size_t i;

    if (pInfo == NULL)
        return CKR_ARGUMENTS_BAD;
    gt_lock();
    rv = gt_slot_ready(slotID, &s);
    if (rv == CKR_OK) {
        rv = CKR_MECHANISM_INVALID;
        for (i = 0; i < NMECH; i++) {
            if (mechanisms[i].type == type && gt_mech_offered(s, type)) {
                *pInfo = mechanisms[i].info;
                rv = CKR_OK;
            }
        }
    }
    gt_unlock();
    return rv;
}

/* ---- C_InitToken ---- */

CK_RV C_InitToken(CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pLabel)
{
    gt_slot *s;
    gt_session *ss;
    gt_token *t;
    CK_RV rv;
    size_t n;
    char label[33];

    if (pLabel == NULL)
        return CKR_ARGUMENTS_BAD;
    gt_lock();
    rv = gt_slot_ready(slotID, &s);
    if (rv != CKR_OK)
        goto out;
    t = &s->tok;
    for (ss = g.sessions; ss != NULL; ss = ss->next) {
        if (ss->slot == s && ss->generation == s->generation) {
            rv = CKR_SESSION_EXISTS;
            goto out;
        }
    }
    if (pPin == NULL) {
        rv = CKR_ARGUMENTS_BAD; /* no PIN pad for initialisation */
        goto out;
    }
    if (t->initialized && t->so.set) {
        if (t->so.tries == 0) {
            rv = CKR_PIN_LOCKED;
            goto out;
        }
        if (!gt_pin_check(&t->so, pPin, ulPinLen)) {
            t->so.tries--;
            gt_token_save(s);
            rv = t->so.tries == 0 ? CKR_PIN_LOCKED : CKR_PIN_INCORRECT;
            goto out;
        }
    }
    if (ulPinLen < GT_MIN_PIN || ulPinLen > GT_MAX_PIN) {
        rv = CKR_PIN_LEN_RANGE;
        goto out;
    }
    /* The label is 32 bytes padded with blanks. */
    memcpy(label, pLabel, 32);
    n = 32;
    while (n > 0 && label[n - 1] == ' ')
        n--;
    label[n] = '\0';

    gt_obj_free_list(t->objects);
    memset(t, 0, sizeof *t);
    t->initialized = 1;
    memcpy(t->label, label, n + 1);
    rv = gt_pin_set(&t->so, pPin, ulPinLen, g.max_so_tries);
    t->user.tries = g.max_user_tries;
    if (rv == CKR_OK)
        rv = gt_token_save(s);
out:
    gt_unlock();
    return rv;
}
