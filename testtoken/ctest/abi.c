/*
 * abi.c: checks of the GOST test token that need a C caller: the
 * application's own mutex callbacks, NULL arguments, C_WaitForSlotEvent
 * with CKF_DONT_BLOCK and across C_Finalize, length queries.
 *
 *   abi MODULE DIR
 *
 * DIR is an empty storage directory. Prints one line per failed check and
 * exits non-zero if any failed. Run by TestCCallers in abi_test.go.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST_PTR f;
static const char *dir;
static int failures;

#define CHECK(what, got, want)                                                              \
    do {                                                                                    \
        CK_RV got_ = (got), want_ = (want);                                                 \
        if (got_ != want_) {                                                                \
            printf("FAIL %s:%d: %s = 0x%lx, want 0x%lx\n", __FILE__, __LINE__, what, got_, want_); \
            failures++;                                                                     \
        }                                                                                   \
    } while (0)

#define TRUE_(what, cond)                                                     \
    do {                                                                      \
        if (!(cond)) {                                                        \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, what);             \
            failures++;                                                       \
        }                                                                     \
    } while (0)

static void control(const char *text)
{
    char tmp[4096], path[4096];
    FILE *fp;

    snprintf(tmp, sizeof tmp, "%s/control.tmp", dir);
    snprintf(path, sizeof path, "%s/control", dir);
    fp = fopen(tmp, "w");
    if (fp == NULL || fputs(text, fp) < 0 || fclose(fp) != 0 || rename(tmp, path) != 0) {
        perror("control");
        exit(2);
    }
}

/* ---- the application's mutexes ---- */

static int creates, destroys, locks, unlocks;

static CK_RV app_create(void **m)
{
    pthread_mutex_t *mu = malloc(sizeof *mu);
    if (mu == NULL)
        return CKR_HOST_MEMORY;
    pthread_mutex_init(mu, NULL);
    __atomic_add_fetch(&creates, 1, __ATOMIC_SEQ_CST);
    *m = mu;
    return CKR_OK;
}

static CK_RV app_destroy(void *m)
{
    pthread_mutex_destroy(m);
    free(m);
    __atomic_add_fetch(&destroys, 1, __ATOMIC_SEQ_CST);
    return CKR_OK;
}

static CK_RV app_lock(void *m)
{
    __atomic_add_fetch(&locks, 1, __ATOMIC_SEQ_CST);
    return pthread_mutex_lock(m) == 0 ? CKR_OK : CKR_GENERAL_ERROR;
}

static CK_RV app_unlock(void *m)
{
    __atomic_add_fetch(&unlocks, 1, __ATOMIC_SEQ_CST);
    return pthread_mutex_unlock(m) == 0 ? CKR_OK : CKR_GENERAL_ERROR;
}

static void test_initialize(void)
{
    CK_C_INITIALIZE_ARGS args;
    CK_ULONG n = 0;
    CK_INFO info;

    CHECK("C_GetInfo before C_Initialize", f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
    CHECK("C_GetSlotList before C_Initialize", f->C_GetSlotList(CK_FALSE, NULL, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
    CHECK("C_Finalize before C_Initialize", f->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);

    memset(&args, 0, sizeof args);
    args.pReserved = &args;
    CHECK("C_Initialize with pReserved", f->C_Initialize(&args), CKR_ARGUMENTS_BAD);
    memset(&args, 0, sizeof args);
    args.CreateMutex = app_create;
    CHECK("C_Initialize with some mutex functions", f->C_Initialize(&args), CKR_ARGUMENTS_BAD);

    /* The application's mutexes, no CKF_OS_LOCKING_OK: the module must
     * use them. */
    memset(&args, 0, sizeof args);
    args.CreateMutex = app_create;
    args.DestroyMutex = app_destroy;
    args.LockMutex = app_lock;
    args.UnlockMutex = app_unlock;
    CHECK("C_Initialize with the application's mutexes", f->C_Initialize(&args), CKR_OK);
    CHECK("second C_Initialize", f->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
    CHECK("C_GetSlotList", f->C_GetSlotList(CK_FALSE, NULL, &n), CKR_OK);
    TRUE_("one slot by default", n == 1);
    TRUE_("the module created a mutex", creates >= 1);
    TRUE_("the module locked the application's mutex", locks >= 1 && locks == unlocks);
    CHECK("C_Finalize", f->C_Finalize(NULL), CKR_OK);
    TRUE_("the module destroyed its mutexes", destroys == creates);

    /* With CKF_OS_LOCKING_OK the module may use its own locks. */
    locks = 0;
    args.flags = CKF_OS_LOCKING_OK;
    CHECK("C_Initialize with CKF_OS_LOCKING_OK", f->C_Initialize(&args), CKR_OK);
    CHECK("C_GetSlotList", f->C_GetSlotList(CK_FALSE, NULL, &n), CKR_OK);
    TRUE_("OS locking used instead of the application's", locks == 0);
    CHECK("C_Finalize", f->C_Finalize(NULL), CKR_OK);
}

static void *waiter(void *arg)
{
    CK_SLOT_ID slot;
    *(CK_RV *)arg = f->C_WaitForSlotEvent(0, &slot, NULL);
    return NULL;
}

static void test_slot_events(void)
{
    CK_SLOT_ID slot = 99;
    pthread_t th;
    CK_RV rv = 0;

    CHECK("C_Initialize", f->C_Initialize(NULL), CKR_OK);
    CHECK("no event yet", f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_NO_EVENT);
    CHECK("NULL slot", f->C_WaitForSlotEvent(CKF_DONT_BLOCK, NULL, NULL), CKR_ARGUMENTS_BAD);
    control("present = 0\n");
    CHECK("removal event", f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_OK);
    TRUE_("event for slot 0", slot == 0);
    CHECK("reported once", f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_NO_EVENT);
    control("present = 1\n");
    CHECK("insertion event", f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_OK);

    /* A thread blocked in C_WaitForSlotEvent returns when the library is
     * finalised. */
    pthread_create(&th, NULL, waiter, &rv);
    usleep(100000);
    CHECK("C_Finalize with a waiter", f->C_Finalize(NULL), CKR_OK);
    pthread_join(th, NULL);
    CHECK("the waiter's result", rv, CKR_CRYPTOKI_NOT_INITIALIZED);

    /* A token already out when the library starts is no event. */
    control("present = 0\n");
    CHECK("C_Initialize with the token out", f->C_Initialize(NULL), CKR_OK);
    CHECK("no event at start-up", f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_NO_EVENT);
    control("present = 1\n");
    CHECK("insertion after start-up", f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_OK);
    CHECK("C_Finalize", f->C_Finalize(NULL), CKR_OK);
}

static const CK_BYTE tc26a256[] = {0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x01, 0x01, 0x01};

static void test_sessions(void)
{
    CK_SESSION_HANDLE s;
    CK_UTF8CHAR label[32];
    CK_SLOT_ID slots[1];
    CK_ULONG n;
    CK_MECHANISM gen = {CKM_GOSTR3410_KEY_PAIR_GEN, NULL, 0}, sign = {CKM_GOSTR3410, NULL, 0};
    CK_ATTRIBUTE pub[] = {{CKA_GOSTR3410_PARAMS, (void *)tc26a256, sizeof tc26a256}};
    CK_OBJECT_HANDLE hpub, hpriv;
    CK_BYTE hash[32] = {1}, sig[64];
    CK_TOKEN_INFO ti;

    control("pinpad = confirm\n");
    CHECK("C_Initialize", f->C_Initialize(NULL), CKR_OK);
    memset(label, ' ', sizeof label);
    CHECK("C_InitToken", f->C_InitToken(0, (CK_UTF8CHAR_PTR) "87654321", 8, label), CKR_OK);
    CHECK("C_InitToken NULL label", f->C_InitToken(0, (CK_UTF8CHAR_PTR) "87654321", 8, NULL), CKR_ARGUMENTS_BAD);
    n = 0;
    CHECK("C_GetSlotList into a short buffer", f->C_GetSlotList(CK_TRUE, slots, &n), CKR_BUFFER_TOO_SMALL);
    TRUE_("C_GetSlotList says how many", n == 1);
    CHECK("C_OpenSession without CKF_SERIAL_SESSION", f->C_OpenSession(0, 0, NULL, NULL, &s),
          CKR_SESSION_PARALLEL_NOT_SUPPORTED);
    CHECK("C_OpenSession", f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
    CHECK("SO login", f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR) "87654321", 8), CKR_OK);
    CHECK("C_InitPIN", f->C_InitPIN(s, (CK_UTF8CHAR_PTR) "1234", 4), CKR_OK);
    CHECK("C_InitPIN too short", f->C_InitPIN(s, (CK_UTF8CHAR_PTR) "123", 3), CKR_PIN_LEN_RANGE);
    CHECK("SO logout", f->C_Logout(s), CKR_OK);
    CHECK("C_GetTokenInfo", f->C_GetTokenInfo(0, &ti), CKR_OK);
    TRUE_("PIN pad flag", ti.flags & CKF_PROTECTED_AUTHENTICATION_PATH);
    CHECK("login on the PIN pad (NULL PIN)", f->C_Login(s, CKU_USER, NULL, 0), CKR_OK);
    CHECK("C_GenerateKeyPair", f->C_GenerateKeyPair(s, &gen, pub, 1, NULL, 0, &hpub, &hpriv), CKR_OK);

    CHECK("C_SignInit", f->C_SignInit(s, &sign, hpriv), CKR_OK);
    CHECK("second C_SignInit", f->C_SignInit(s, &sign, hpriv), CKR_OPERATION_ACTIVE);
    n = 0;
    CHECK("length query", f->C_Sign(s, hash, 32, NULL, &n), CKR_OK);
    TRUE_("signature length 64", n == 64);
    n = 10;
    CHECK("short buffer", f->C_Sign(s, hash, 32, sig, &n), CKR_BUFFER_TOO_SMALL);
    TRUE_("short buffer says 64", n == 64);
    CHECK("the operation is still active", f->C_Sign(s, hash, 32, sig, &n), CKR_OK);
    CHECK("and then it is over", f->C_Sign(s, hash, 32, sig, &n), CKR_OPERATION_NOT_INITIALIZED);

    {
        /* An imported key: defaults are added to the template's
         * attributes before the key is loaded. */
        CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
        CK_KEY_TYPE kt = CKK_GOSTR3410;
        CK_BBOOL yes = CK_TRUE;
        CK_BYTE value[32];
        CK_ATTRIBUTE imp[] = {
            {CKA_CLASS, &cls, sizeof cls},
            {CKA_KEY_TYPE, &kt, sizeof kt},
            {CKA_PRIVATE, &yes, sizeof yes},
            {CKA_GOSTR3410_PARAMS, (void *)tc26a256, sizeof tc26a256},
            {CKA_VALUE, value, sizeof value},
        };
        CK_ATTRIBUTE get = {CKA_VALUE, sig, sizeof sig};
        CK_OBJECT_HANDLE h;
        memset(value, 1, sizeof value);
        CHECK("importing a private key", f->C_CreateObject(s, imp, 5, &h), CKR_OK);
        CHECK("its value is sensitive", f->C_GetAttributeValue(s, h, &get, 1), CKR_ATTRIBUTE_SENSITIVE);
        TRUE_("no length for a sensitive value", get.ulValueLen == CK_UNAVAILABLE_INFORMATION);
        CHECK("C_SignInit with it", f->C_SignInit(s, &sign, h), CKR_OK);
        n = sizeof sig;
        CHECK("C_Sign with it", f->C_Sign(s, hash, 32, sig, &n), CKR_OK);
        CHECK("C_DestroyObject", f->C_DestroyObject(s, h), CKR_OK);
        CHECK("destroyed", f->C_SignInit(s, &sign, h), CKR_KEY_HANDLE_INVALID);
    }

    CHECK("C_CloseSession", f->C_CloseSession(s), CKR_OK);
    CHECK("closed session", f->C_CloseSession(s), CKR_SESSION_HANDLE_INVALID);
    CHECK("C_Finalize", f->C_Finalize(NULL), CKR_OK);
}

int main(int argc, char **argv)
{
    CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR);
    void *lib;

    if (argc != 3) {
        fprintf(stderr, "usage: abi MODULE DIR\n");
        return 2;
    }
    dir = argv[2];
    setenv("GOSTTOKEN_DIR", dir, 1);
    lib = dlopen(argv[1], RTLD_NOW);
    if (lib == NULL) {
        fprintf(stderr, "abi: %s\n", dlerror());
        return 2;
    }
    *(void **)&get = dlsym(lib, "C_GetFunctionList");
    if (get == NULL || get(&f) != CKR_OK || f->version.major != 2 || f->version.minor != 40) {
        fprintf(stderr, "abi: no usable C_GetFunctionList\n");
        return 2;
    }
    test_initialize();
    test_slot_events();
    test_sessions();
    if (failures > 0)
        return 1;
    puts("ok");
    return 0;
}
