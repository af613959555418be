/*
 * session.c: sessions, login and PINs (C_OpenSession, C_CloseSession,
 * C_CloseAllSessions, C_GetSessionInfo, C_Login, C_Logout, C_InitPIN,
 * C_SetPIN).
 *
 * PINs are kept as salted SHA-256 verifiers with a retry counter, as real
 * tokens do: every wrong PIN takes one try, a right one restores them all,
 * and the attempt that uses up the last try returns CKR_PIN_LOCKED. The SO
 * unlocks the user PIN with C_InitPIN.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "gosttoken.h"

CK_OBJECT_HANDLE gt_object_handle(void)
{
    return g.next_object++;
}

void gt_op_reset(gt_op *op)
{
    EVP_MD_CTX_free(op->md);
    OPENSSL_cleanse(op, sizeof *op);
}

void gt_session_free(gt_session *s)
{
    gt_op_reset(&s->sign);
    gt_op_reset(&s->verify);
    gt_op_reset(&s->digest);
    free(s->found);
    free(s);
}

/* unlink removes s from the session list, destroys its session objects
 * and frees it. */
static void session_close(gt_session *s)
{
    gt_session **pp;
    gt_object **op;
    int others = 0;

    for (pp = &g.sessions; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    }
    if (s->generation == s->slot->generation) {
        for (op = &s->slot->tok.objects; *op != NULL;) {
            gt_object *o = *op;
            if (!o->on_token && o->owner == s->handle) {
                *op = o->next;
                gt_obj_free(o);
            } else {
                op = &o->next;
            }
        }
        for (gt_session *x = g.sessions; x != NULL; x = x->next)
            if (x->slot == s->slot && x->generation == s->slot->generation)
                others = 1;
        /* Closing the last session of a token ends the login, unless
         * another application holds it (login_shared). */
        if (!others && !s->slot->ctl.login_shared)
            s->slot->login = GT_NO_USER;
    }
    gt_session_free(s);
}

/* gt_session_get finds an open session. Sessions of a pulled-out token
 * fail with CKR_DEVICE_REMOVED; after reinsertion they are gone. The caller
 * holds the lock. */
CK_RV gt_session_get(CK_SESSION_HANDLE h, gt_session **out)
{
    gt_session *s;

    if (!g.initialized)
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    gt_control_refresh();
    for (s = g.sessions; s != NULL; s = s->next)
        if (s->handle == h)
            break;
    if (s == NULL)
        return CKR_SESSION_HANDLE_INVALID;
    if (!s->slot->present)
        return CKR_DEVICE_REMOVED;
    if (s->generation != s->slot->generation) {
        session_close(s);
        return CKR_SESSION_HANDLE_INVALID;
    }
    *out = s;
    return CKR_OK;
}

/* gt_object_visible: private objects only after a user login (and
 * certificates too with "certificates = after_login"); session objects to
 * every session of this token. */
int gt_object_visible(const gt_session *s, const gt_object *o)
{
    if (gt_obj_bool(o, CKA_PRIVATE, CK_FALSE) && s->slot->login != CKU_USER)
        return 0;
    if (s->slot->ctl.certs_private && s->slot->login != CKU_USER &&
        gt_obj_ulong(o, CKA_CLASS, CK_UNAVAILABLE_INFORMATION) == CKO_CERTIFICATE)
        return 0;
    return 1;
}

gt_object *gt_object_find(gt_session *s, CK_OBJECT_HANDLE h)
{
    gt_object *o;

    for (o = s->slot->tok.objects; o != NULL; o = o->next)
        if (o->handle == h)
            return gt_object_visible(s, o) ? o : NULL;
    return NULL;
}

int gt_pin_check(const gt_pin *p, const CK_BYTE *pin, CK_ULONG len)
{
    unsigned char h[32];
    int ok;

    if (!p->set || pin == NULL)
        return 0;
    gt_sha256(p->salt, sizeof p->salt, pin, len, h);
    ok = CRYPTO_memcmp(h, p->hash, sizeof h) == 0;
    OPENSSL_cleanse(h, sizeof h);
    return ok;
}

CK_RV gt_pin_set(gt_pin *p, const CK_BYTE *pin, CK_ULONG len, CK_ULONG tries)
{
    if (pin == NULL)
        return CKR_ARGUMENTS_BAD;
    if (len < GT_MIN_PIN || len > GT_MAX_PIN)
        return CKR_PIN_LEN_RANGE;
    if (gt_random(p->salt, sizeof p->salt) != CKR_OK)
        return CKR_DEVICE_ERROR;
    gt_sha256(p->salt, sizeof p->salt, pin, len, p->hash);
    p->set = 1;
    p->tries = tries;
    return CKR_OK;
}

/* pin_try checks a PIN against p, keeping the retry counter. */
static CK_RV pin_try(gt_slot *slot, gt_pin *p, CK_ULONG max, const CK_BYTE *pin, CK_ULONG len, int wrong)
{
    if (p->tries == 0)
        return CKR_PIN_LOCKED;
    if (wrong || !gt_pin_check(p, pin, len)) {
        p->tries--;
        gt_token_save(slot);
        return p->tries == 0 ? CKR_PIN_LOCKED : CKR_PIN_INCORRECT;
    }
    if (p->tries != max) {
        p->tries = max;
        gt_token_save(slot);
    }
    return CKR_OK;
}

CK_RV C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication, CK_NOTIFY Notify,
                    CK_SESSION_HANDLE_PTR phSession)
{
    gt_fault("C_OpenSession");
    gt_slot *slot;
    gt_session *s;
    CK_RV rv;

    (void)pApplication;
    (void)Notify;
    if (phSession == NULL)
        return CKR_ARGUMENTS_BAD;
    if (!(flags & CKF_SERIAL_SESSION))
        return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
    gt_lock();
    rv = gt_slot_ready(slotID, &slot);
    if (rv != CKR_OK)
        goto out;
    if (!(flags & CKF_RW_SESSION) && slot->login == CKU_SO) {
        rv = CKR_SESSION_READ_WRITE_SO_EXISTS;
        goto out;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL) {
        rv = CKR_HOST_MEMORY;
        goto out;
    }
    s->handle = g.next_session++;
    s->slot = slot;
    s->generation = slot->generation;
    s->flags = flags & (CKF_SERIAL_SESSION | CKF_RW_SESSION);
    s->next = g.sessions;
    g.sessions = s;
    *phSession = s->handle;
out:
    gt_unlock();
    return rv;
}

CK_RV C_CloseSession(CK_SESSION_HANDLE hSession)
{
    gt_fault("C_CloseSession");
    gt_session *s;
    CK_RV rv;

    gt_lock();
    rv = gt_session_get(hSession, &s);
    if (rv == CKR_DEVICE_REMOVED) {
        /* Closing a session of a pulled-out token is allowed. */
        for (s = g.sessions; s != NULL && s->handle != hSession; s = s->next)
            ;
        rv = CKR_OK;
    }
    if (rv == CKR_OK)
        session_close(s);
    gt_unlock();
    return rv;
}

CK_RV C_CloseAllSessions(CK_SLOT_ID slotID)
{
    gt_slot *slot;
    gt_session *s, *next;
    CK_RV rv = CKR_OK;

    gt_lock();
    if (!g.initialized) {
        rv = CKR_CRYPTOKI_NOT_INITIALIZED;
        goto out;
    }
    gt_control_refresh();
    slot = gt_slot_find(slotID);
    if (slot == NULL) {
        rv = CKR_SLOT_ID_INVALID;
        goto out;
    }
    for (s = g.sessions; s != NULL; s = next) {
        next = s->next;
        if (s->slot == slot)
            session_close(s);
    }
    if (!slot->ctl.login_shared)
        slot->login = GT_NO_USER;
out:
    gt_unlock();
    return rv;
}

CK_RV C_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo)
{
    gt_fault("C_GetSessionInfo");
    gt_session *s;
    CK_RV rv;
    int rw;

    if (pInfo == NULL)
        return CKR_ARGUMENTS_BAD;
    gt_lock();
    rv = gt_session_get(hSession, &s);
    if (rv == CKR_OK) {
        rw = (s->flags & CKF_RW_SESSION) != 0;
        pInfo->slotID = s->slot->id;
        pInfo->flags = s->flags;
        pInfo->ulDeviceError = 0;
        switch (s->slot->login) {
        case CKU_SO:
            pInfo->state = CKS_RW_SO_FUNCTIONS;
            break;
        case CKU_USER:
            pInfo->state = rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
            break;
        default:
            pInfo->state = rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
        }
    }
    gt_unlock();
    return rv;
}

CK_RV C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
    gt_fault("C_Login");
    gt_session *s, *x;
    gt_slot *slot;
    gt_pin *p;
    CK_ULONG max;
    CK_RV rv;
    int wrong = 0;

    gt_lock();
    rv = gt_session_get(hSession, &s);
    if (rv != CKR_OK)
        goto out;
    slot = s->slot;
    if (userType == CKU_CONTEXT_SPECIFIC) {
        rv = CKR_OPERATION_NOT_INITIALIZED; /* no key needs a per-use login */
        goto out;
    }
    if (userType != CKU_USER && userType != CKU_SO) {
        rv = CKR_USER_TYPE_INVALID;
        goto out;
    }
    if (slot->login == userType) {
        rv = CKR_USER_ALREADY_LOGGED_IN;
        goto out;
    }
    if (slot->login != GT_NO_USER) {
        rv = CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
        goto out;
    }
    if (userType == CKU_SO) {
        for (x = g.sessions; x != NULL; x = x->next) {
            if (x->slot == slot && x->generation == slot->generation && !(x->flags & CKF_RW_SESSION)) {
                rv = CKR_SESSION_READ_ONLY_EXISTS;
                goto out;
            }
        }
        p = &slot->tok.so;
        max = g.max_so_tries;
    } else {
        p = &slot->tok.user;
        max = g.max_user_tries;
    }
    if (!p->set) {
        rv = userType == CKU_USER ? CKR_USER_PIN_NOT_INITIALIZED : CKR_USER_TYPE_INVALID;
        goto out;
    }
    if (p->tries == 0) {
        rv = CKR_PIN_LOCKED;
        goto out;
    }
    /* With a PIN pad, a login without a PIN (NULL, or empty as some
     * bindings pass it) is entered on the pad. */
    if (pPin == NULL || (ulPinLen == 0 && slot->ctl.pinpad != GT_PINPAD_NONE)) {
        int mode = slot->ctl.pinpad;
        unsigned long delay = slot->ctl.pinpad_delay_ms;
        if (mode == GT_PINPAD_NONE) {
            rv = CKR_ARGUMENTS_BAD;
            goto out;
        }
        /* The user is at the PIN pad: let other threads work meanwhile. */
        gt_unlock();
        gt_sleep_ms(delay);
        gt_lock();
        rv = gt_session_get(hSession, &s);
        if (rv != CKR_OK)
            goto out;
        if (slot->login != GT_NO_USER) {
            rv = CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
            goto out;
        }
        if (mode == GT_PINPAD_CANCEL) {
            rv = CKR_FUNCTION_CANCELED;
            goto out;
        }
        if (mode == GT_PINPAD_CONFIRM) {
            p->tries = max;
            slot->login = userType;
            gt_token_save(slot);
            goto out;
        }
        wrong = 1;
    }
    rv = pin_try(slot, p, max, pPin, ulPinLen, wrong);
    if (rv == CKR_OK)
        slot->login = userType;
out:
    gt_unlock();
    return rv;
}

CK_RV C_Logout(CK_SESSION_HANDLE hSession)
{
    gt_fault("C_Logout");
    gt_session *s;
    CK_RV rv;

    gt_lock();
    rv = gt_session_get(hSession, &s);
    if (rv == CKR_OK) {
        if (s->slot->login == GT_NO_USER)
            rv = CKR_USER_NOT_LOGGED_IN;
        else
            s->slot->login = GT_NO_USER;
    }
    gt_unlock();
    return rv;
}

CK_RV C_InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
    gt_session *s;
    CK_RV rv;

    gt_lock();
    rv = gt_session_get(hSession, &s);
    if (rv != CKR_OK)
        goto out;
    if (s->slot->login != CKU_SO) {
        rv = CKR_USER_NOT_LOGGED_IN;
        goto out;
    }
    if (!(s->flags & CKF_RW_SESSION)) {
        rv = CKR_SESSION_READ_ONLY;
        goto out;
    }
    rv = gt_pin_set(&s->slot->tok.user, pPin, ulPinLen, g.max_user_tries);
    if (rv == CKR_OK)
        rv = gt_token_save(s->slot);
out:
    gt_unlock();
    return rv;
}

CK_RV C_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen,
               CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen)
{
    gt_session *s;
    gt_pin *p;
    CK_ULONG max;
    CK_RV rv;

    gt_lock();
    rv = gt_session_get(hSession, &s);
    if (rv != CKR_OK)
        goto out;
    if (!(s->flags & CKF_RW_SESSION)) {
        rv = CKR_SESSION_READ_ONLY;
        goto out;
    }
    if (pOldPin == NULL || pNewPin == NULL) {
        rv = CKR_ARGUMENTS_BAD;
        goto out;
    }
    if (s->slot->login == CKU_SO) {
        p = &s->slot->tok.so;
        max = g.max_so_tries;
    } else {
        p = &s->slot->tok.user;
        max = g.max_user_tries;
        if (!p->set) {
            rv = CKR_USER_PIN_NOT_INITIALIZED;
            goto out;
        }
    }
    if (ulNewLen < GT_MIN_PIN || ulNewLen > GT_MAX_PIN) {
        rv = CKR_PIN_LEN_RANGE;
        goto out;
    }
    rv = pin_try(s->slot, p, max, pOldPin, ulOldLen, 0);
    if (rv == CKR_OK)
        rv = gt_pin_set(p, pNewPin, ulNewLen, max);
    if (rv == CKR_OK)
        rv = gt_token_save(s->slot);
out:
    gt_unlock();
    return rv;
}

CK_RV C_GenerateRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR RandomData, CK_ULONG ulRandomLen)
{
    gt_session *s;
    CK_RV rv;

    if (RandomData == NULL && ulRandomLen > 0)
        return CKR_ARGUMENTS_BAD;
    gt_lock();
    rv = gt_session_get(hSession, &s);
    if (rv == CKR_OK && ulRandomLen > 0)
        rv = gt_random(RandomData, ulRandomLen);
    gt_unlock();
    return rv;
}
