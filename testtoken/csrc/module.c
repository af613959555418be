/*
 * module.c: library set-up (C_Initialize, C_Finalize, C_GetInfo), the
 * function list and the module lock.
 *
 * Locking follows PKCS#11 v2.40 section 5.4: with CKF_OS_LOCKING_OK, or
 * with no locking arguments at all, the module uses pthread mutexes; when
 * the application passes its own mutex functions without
 * CKF_OS_LOCKING_OK, the module uses those.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gosttoken.h"

gt_state g;

static pthread_mutex_t os_mutex = PTHREAD_MUTEX_INITIALIZER;
static CK_C_INITIALIZE_ARGS app_locks;
static void *app_mutex;
static int use_app_locks;
static int waiters; /* threads inside C_WaitForSlotEvent, atomic */

void gt_lock(void)
{
    if (use_app_locks)
        app_locks.LockMutex(app_mutex);
    else
        pthread_mutex_lock(&os_mutex);
}

void gt_unlock(void)
{
    if (use_app_locks)
        app_locks.UnlockMutex(app_mutex);
    else
        pthread_mutex_unlock(&os_mutex);
}

void gt_pad(unsigned char *dst, size_t n, const char *src)
{
    size_t l = strlen(src);
    memset(dst, ' ', n);
    memcpy(dst, src, l < n ? l : n);
}

void gt_sleep_ms(unsigned long ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

    if (ms == 0)
        return; /* nanosleep(0) would still cost the timer slack */
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void state_free(void)
{
    size_t i;

    while (g.sessions != NULL) {
        gt_session *next = g.sessions->next;
        gt_session_free(g.sessions);
        g.sessions = next;
    }
    for (i = 0; i < g.nslots; i++)
        gt_obj_free_list(g.slots[i].tok.objects);
    memset(&g, 0, sizeof g);
}

CK_RV C_Initialize(CK_VOID_PTR pInitArgs)
{
    CK_C_INITIALIZE_ARGS *args = pInitArgs;
    CK_RV rv;

    if (args != NULL) {
        int some = args->CreateMutex != NULL || args->DestroyMutex != NULL ||
                   args->LockMutex != NULL || args->UnlockMutex != NULL;
        int all = args->CreateMutex != NULL && args->DestroyMutex != NULL &&
                  args->LockMutex != NULL && args->UnlockMutex != NULL;
        if (args->pReserved != NULL || (some && !all))
            return CKR_ARGUMENTS_BAD;
        if (__atomic_load_n(&g.initialized, __ATOMIC_ACQUIRE))
            return CKR_CRYPTOKI_ALREADY_INITIALIZED;
        if (all && !(args->flags & CKF_OS_LOCKING_OK)) {
            app_locks = *args;
            if (app_locks.CreateMutex(&app_mutex) != CKR_OK)
                return CKR_CANT_LOCK;
            use_app_locks = 1;
        }
    }
    gt_lock();
    if (g.initialized) {
        gt_unlock();
        return CKR_CRYPTOKI_ALREADY_INITIALIZED;
    }
    rv = gt_crypto_init();
    if (rv == CKR_OK)
        rv = gt_config_load();
    if (rv == CKR_OK) {
        size_t i;
        __atomic_store_n(&g.initialized, 1, __ATOMIC_RELEASE);
        gt_control_refresh();
        /* A token already out at start-up is a state, not an event. */
        for (i = 0; i < g.nslots; i++)
            g.slots[i].event = 0;
    } else {
        state_free();
    }
    gt_unlock();
    if (rv != CKR_OK && use_app_locks) {
        app_locks.DestroyMutex(app_mutex);
        use_app_locks = 0;
    }
    return rv;
}

CK_RV C_Finalize(CK_VOID_PTR pReserved)
{
    if (pReserved != NULL)
        return CKR_ARGUMENTS_BAD;
    gt_lock();
    if (!g.initialized) {
        gt_unlock();
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    }
    __atomic_store_n(&g.initialized, 0, __ATOMIC_RELEASE);
    gt_unlock();
    /* Threads blocked in C_WaitForSlotEvent see the flag and return. */
    while (__atomic_load_n(&waiters, __ATOMIC_ACQUIRE) > 0)
        gt_sleep_ms(5);
    gt_lock();
    state_free();
    gt_unlock();
    if (use_app_locks) {
        app_locks.DestroyMutex(app_mutex);
        use_app_locks = 0;
    }
    return CKR_OK;
}

CK_RV C_GetInfo(CK_INFO_PTR pInfo)
{
    gt_fault("C_GetInfo");
    if (!__atomic_load_n(&g.initialized, __ATOMIC_ACQUIRE))
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    if (pInfo == NULL)
        return CKR_ARGUMENTS_BAD;
    memset(pInfo, 0, sizeof *pInfo);
    pInfo->cryptokiVersion.major = 2;
    pInfo->cryptokiVersion.minor = 40;
    gt_pad(pInfo->manufacturerID, sizeof pInfo->manufacturerID, "Zavera");
    gt_pad(pInfo->libraryDescription, sizeof pInfo->libraryDescription, "Zavera GOST test token");
    pInfo->libraryVersion.major = 1;
    pInfo->libraryVersion.minor = 0;
    return CKR_OK;
}

/* ---- C_WaitForSlotEvent ---- */

static int take_event(CK_SLOT_ID *slot)
{
    size_t i;

    gt_control_refresh();
    for (i = 0; i < g.nslots; i++) {
        if (g.slots[i].event) {
            g.slots[i].event = 0;
            *slot = g.slots[i].id;
            return 1;
        }
    }
    return 0;
}

CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved)
{
    CK_RV rv = CKR_NO_EVENT;

    if (pSlot == NULL || pReserved != NULL)
        return CKR_ARGUMENTS_BAD;
    if (__atomic_load_n(&g.initialized, __ATOMIC_ACQUIRE)) {
        int none;
        gt_lock();
        gt_control_refresh();
        none = g.no_slot_events;
        gt_unlock();
        if (none)
            return CKR_FUNCTION_NOT_SUPPORTED;
    }
    __atomic_add_fetch(&waiters, 1, __ATOMIC_ACQ_REL);
    for (;;) {
        if (!__atomic_load_n(&g.initialized, __ATOMIC_ACQUIRE)) {
            rv = CKR_CRYPTOKI_NOT_INITIALIZED;
            break;
        }
        gt_lock();
        if (g.initialized && take_event(pSlot))
            rv = CKR_OK;
        gt_unlock();
        if (rv == CKR_OK || (flags & CKF_DONT_BLOCK))
            break;
        gt_sleep_ms(20);
    }
    __atomic_sub_fetch(&waiters, 1, __ATOMIC_ACQ_REL);
    return rv;
}

/* ---- functions the token does not offer ---- */

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define UNSUPPORTED(name, args) \
    CK_RV name args { return CKR_FUNCTION_NOT_SUPPORTED; }

UNSUPPORTED(C_GetOperationState, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG_PTR c))
UNSUPPORTED(C_SetOperationState, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_OBJECT_HANDLE d, CK_OBJECT_HANDLE e))
UNSUPPORTED(C_CopyObject, (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b, CK_ATTRIBUTE_PTR c, CK_ULONG d, CK_OBJECT_HANDLE_PTR e))
UNSUPPORTED(C_EncryptInit, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c))
UNSUPPORTED(C_Encrypt, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e))
UNSUPPORTED(C_EncryptUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e))
UNSUPPORTED(C_EncryptFinal, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG_PTR c))
UNSUPPORTED(C_DecryptInit, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c))
UNSUPPORTED(C_Decrypt, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e))
UNSUPPORTED(C_DecryptUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e))
UNSUPPORTED(C_DecryptFinal, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG_PTR c))
UNSUPPORTED(C_DigestKey, (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b))
UNSUPPORTED(C_SignRecoverInit, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c))
UNSUPPORTED(C_SignRecover, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e))
UNSUPPORTED(C_VerifyRecoverInit, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c))
UNSUPPORTED(C_VerifyRecover, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e))
UNSUPPORTED(C_DigestEncryptUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e))
UNSUPPORTED(C_DecryptDigestUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e))
UNSUPPORTED(C_SignEncryptUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e))
UNSUPPORTED(C_DecryptVerifyUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG_PTR e))
UNSUPPORTED(C_GenerateKey, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_ATTRIBUTE_PTR c, CK_ULONG d, CK_OBJECT_HANDLE_PTR e))
UNSUPPORTED(C_WrapKey, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c, CK_OBJECT_HANDLE d, CK_BYTE_PTR e, CK_ULONG_PTR f))
UNSUPPORTED(C_UnwrapKey, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c, CK_BYTE_PTR d, CK_ULONG e, CK_ATTRIBUTE_PTR f, CK_ULONG g2, CK_OBJECT_HANDLE_PTR h))
UNSUPPORTED(C_DeriveKey, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c, CK_ATTRIBUTE_PTR d, CK_ULONG e, CK_OBJECT_HANDLE_PTR f))
UNSUPPORTED(C_SeedRandom, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c))
UNSUPPORTED(C_GetFunctionStatus, (CK_SESSION_HANDLE a))
UNSUPPORTED(C_CancelFunction, (CK_SESSION_HANDLE a))
#pragma GCC diagnostic pop

/* ---- the function list ---- */

static CK_FUNCTION_LIST function_list = {
    {2, 40},
    C_Initialize, C_Finalize, C_GetInfo, C_GetFunctionList,
    C_GetSlotList, C_GetSlotInfo, C_GetTokenInfo, C_GetMechanismList, C_GetMechanismInfo,
    C_InitToken, C_InitPIN, C_SetPIN,
    C_OpenSession, C_CloseSession, C_CloseAllSessions, C_GetSessionInfo,
    C_GetOperationState, C_SetOperationState, C_Login, C_Logout,
    C_CreateObject, C_CopyObject, C_DestroyObject, C_GetObjectSize,
    C_GetAttributeValue, C_SetAttributeValue,
    C_FindObjectsInit, C_FindObjects, C_FindObjectsFinal,
    C_EncryptInit, C_Encrypt, C_EncryptUpdate, C_EncryptFinal,
    C_DecryptInit, C_Decrypt, C_DecryptUpdate, C_DecryptFinal,
    C_DigestInit, C_Digest, C_DigestUpdate, C_DigestKey, C_DigestFinal,
    C_SignInit, C_Sign, C_SignUpdate, C_SignFinal, C_SignRecoverInit, C_SignRecover,
    C_VerifyInit, C_Verify, C_VerifyUpdate, C_VerifyFinal, C_VerifyRecoverInit, C_VerifyRecover,
    C_DigestEncryptUpdate, C_DecryptDigestUpdate, C_SignEncryptUpdate, C_DecryptVerifyUpdate,
    C_GenerateKey, C_GenerateKeyPair, C_WrapKey, C_UnwrapKey, C_DeriveKey,
    C_SeedRandom, C_GenerateRandom, C_GetFunctionStatus, C_CancelFunction, C_WaitForSlotEvent,
};

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList)
{
    if (ppFunctionList == NULL)
        return CKR_ARGUMENTS_BAD;
    *ppFunctionList = &function_list;
    return CKR_OK;
}
