/*
 * stress.c: several threads use the GOST test token at once while another
 * pulls the token out and puts it back and a third waits for slot events.
 * Built with the module under ThreadSanitizer by TestThreadSanitizer.
 *
 *   stress MODULE DIR
 *
 * Exits non-zero when a call returns what it must not; the sanitizer
 * reports data races itself.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

#define WORKERS 4

static CK_FUNCTION_LIST_PTR f;
static const char *dir;
static int stop, failures;
static const CK_BYTE tc26a256[] = {0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x01, 0x01, 0x01};
static const CK_UTF8CHAR so[] = "87654321", pin[] = "1234";

static void fail(const char *what, CK_RV rv)
{
    printf("FAIL %s: 0x%lx\n", what, rv);
    __atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);
}

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

/* removed tells the errors a pulled-out token may cause. */
static int removed(CK_RV rv)
{
    return rv == CKR_DEVICE_REMOVED || rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_TOKEN_NOT_PRESENT ||
           rv == CKR_KEY_HANDLE_INVALID || rv == CKR_USER_NOT_LOGGED_IN;
}

static void *worker(void *arg)
{
    CK_SESSION_HANDLE s = 0;
    CK_MECHANISM m = {CKM_GOSTR3410, NULL, 0};
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE t = {CKA_CLASS, &cls, sizeof cls};
    CK_BYTE h[32] = {1}, sig[64];
    CK_OBJECT_HANDLE o[4];
    CK_TOKEN_INFO ti;
    CK_ULONG n, len;
    CK_RV rv;
    long *signed_ = arg;

    while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
        if (s == 0) {
            rv = f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s);
            if (rv != CKR_OK) {
                if (!removed(rv))
                    fail("C_OpenSession", rv);
                s = 0;
                continue;
            }
        }
        rv = f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, 4);
        if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN && !removed(rv))
            fail("C_Login", rv);
        n = 0;
        rv = f->C_FindObjectsInit(s, &t, 1);
        if (rv == CKR_OK) {
            rv = f->C_FindObjects(s, o, 4, &n);
            f->C_FindObjectsFinal(s);
        }
        len = sizeof sig;
        if (rv == CKR_OK && n > 0 && (rv = f->C_SignInit(s, &m, o[0])) == CKR_OK &&
            (rv = f->C_Sign(s, h, 32, sig, &len)) == CKR_OK) {
            (*signed_)++;
        } else if (rv != CKR_OK) {
            if (!removed(rv))
                fail("signing", rv);
            f->C_CloseSession(s);
            s = 0;
        }
        rv = f->C_GetTokenInfo(0, &ti);
        if (rv != CKR_OK && rv != CKR_TOKEN_NOT_PRESENT)
            fail("C_GetTokenInfo", rv);
    }
    if (s != 0)
        f->C_CloseSession(s);
    return NULL;
}

static void *waiter(void *arg)
{
    CK_SLOT_ID slot;
    int *events = arg;

    while (f->C_WaitForSlotEvent(0, &slot, NULL) == CKR_OK)
        (*events)++;
    return NULL;
}

int main(int argc, char **argv)
{
    CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR);
    CK_C_INITIALIZE_ARGS args = {0};
    CK_UTF8CHAR label[32];
    CK_SESSION_HANDLE s;
    CK_BBOOL yes = CK_TRUE;
    CK_MECHANISM gen = {CKM_GOSTR3410_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE pub[] = {{CKA_GOSTR3410_PARAMS, (void *)tc26a256, sizeof tc26a256}, {CKA_TOKEN, &yes, sizeof yes}};
    CK_ATTRIBUTE priv[] = {{CKA_TOKEN, &yes, sizeof yes}};
    CK_OBJECT_HANDLE a, b;
    pthread_t th[WORKERS], wt;
    long signed_[WORKERS] = {0}, total = 0;
    int events = 0, i;
    void *lib;
    CK_RV rv;

    if (argc != 3) {
        fprintf(stderr, "usage: stress MODULE DIR\n");
        return 2;
    }
    dir = argv[2];
    setenv("GOSTTOKEN_DIR", dir, 1);
    lib = dlopen(argv[1], RTLD_NOW);
    if (lib == NULL) {
        fprintf(stderr, "stress: %s\n", dlerror());
        return 2;
    }
    *(void **)&get = dlsym(lib, "C_GetFunctionList");
    if (get == NULL || get(&f) != CKR_OK)
        return 2;
    args.flags = CKF_OS_LOCKING_OK;
    memset(label, ' ', sizeof label);
    if ((rv = f->C_Initialize(&args)) != CKR_OK || (rv = f->C_InitToken(0, (CK_UTF8CHAR_PTR)so, 8, label)) != CKR_OK ||
        (rv = f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s)) != CKR_OK ||
        (rv = f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)so, 8)) != CKR_OK ||
        (rv = f->C_InitPIN(s, (CK_UTF8CHAR_PTR)pin, 4)) != CKR_OK || (rv = f->C_Logout(s)) != CKR_OK ||
        (rv = f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, 4)) != CKR_OK ||
        (rv = f->C_GenerateKeyPair(s, &gen, pub, 2, priv, 1, &a, &b)) != CKR_OK ||
        (rv = f->C_CloseSession(s)) != CKR_OK) {
        fail("set-up", rv);
        return 1;
    }
    for (i = 0; i < WORKERS; i++)
        pthread_create(&th[i], NULL, worker, &signed_[i]);
    pthread_create(&wt, NULL, waiter, &events);
    for (i = 0; i < 30; i++) {
        usleep(40000);
        control(i % 2 ? "present = 1\nsign_delay_ms = 1\n" : "present = 0\n");
    }
    control("present = 1\n");
    usleep(200000);
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    for (i = 0; i < WORKERS; i++) {
        pthread_join(th[i], NULL);
        total += signed_[i];
    }
    if ((rv = f->C_Finalize(NULL)) != CKR_OK)
        fail("C_Finalize", rv);
    pthread_join(wt, NULL);
    if (total == 0)
        fail("no signature at all", 0);
    if (events == 0)
        fail("no slot event", 0);
    if (failures > 0)
        return 1;
    printf("ok: %ld signatures, %d slot events\n", total, events);
    return 0;
}
