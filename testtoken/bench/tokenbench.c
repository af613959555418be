/*
 * tokenbench: signatures per second through the GOST test token's PKCS#11
 * interface against OpenSSL's EVP with the GOST engine called directly,
 * measured in the same run, for `make bench`.
 *
 *   tokenbench MODULE DIR SECONDS
 *
 * SECONDS is the length of one of the ROUNDS rounds per figure.
 *
 * DIR must be an empty directory (the token's storage). Prints one JSON
 * line per figure: {"name","value","unit","reference","ratio","note"};
 * ratio is module/reference, so it shows what the PKCS#11 layer costs
 * (1.0: nothing).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/engine.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include <p11-kit/pkcs11.h>

#define CKM_GOSTR3410_512_KEY_PAIR_GEN_ 0xD4321005UL
#define CKM_GOSTR3410_512_ 0xD4321006UL

static CK_FUNCTION_LIST_PTR f;
static double seconds; /* per round */

#define ROUNDS 7

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, CK_RV rv)
{
    fprintf(stderr, "tokenbench: %s: 0x%lx\n", what, rv);
    exit(1);
}

/* ---- the reference: EVP directly ---- */

static ENGINE *engine;

typedef struct job {
    int bits;
    EVP_PKEY *key;                  /* reference */
    CK_SESSION_HANDLE session;      /* module */
    CK_OBJECT_HANDLE priv;
    CK_MECHANISM_TYPE mech;
    long count;
} job;

static void *evp_worker(void *arg)
{
    job *j = arg;
    unsigned char h[64] = {1}, sig[128];
    double end = now() + seconds;
    size_t n;

    for (j->count = 0; now() < end; j->count++) {
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(j->key, engine);
        n = sizeof sig;
        if (ctx == NULL || EVP_PKEY_sign_init(ctx) <= 0 ||
            EVP_PKEY_sign(ctx, sig, &n, h, (size_t)j->bits / 8) <= 0)
            die("EVP_PKEY_sign", 0);
        EVP_PKEY_CTX_free(ctx);
    }
    return NULL;
}

static void *token_worker(void *arg)
{
    job *j = arg;
    unsigned char h[64] = {1}, sig[128];
    CK_MECHANISM m = {j->mech, NULL, 0};
    double end = now() + seconds;
    CK_ULONG n;
    CK_RV rv;

    for (j->count = 0; now() < end; j->count++) {
        n = sizeof sig;
        if ((rv = f->C_SignInit(j->session, &m, j->priv)) != CKR_OK)
            die("C_SignInit", rv);
        if ((rv = f->C_Sign(j->session, h, (CK_ULONG)j->bits / 8, sig, &n)) != CKR_OK)
            die("C_Sign", rv);
    }
    return NULL;
}

/* rate runs fn on nthreads jobs at once and returns operations/s. */
static double rate(void *(*fn)(void *), job *jobs, int nthreads)
{
    pthread_t th[8];
    double start = now(), total = 0;
    int i;

    for (i = 0; i < nthreads; i++)
        pthread_create(&th[i], NULL, fn, &jobs[i]);
    for (i = 0; i < nthreads; i++) {
        pthread_join(th[i], NULL);
        total += (double)jobs[i].count;
    }
    return total / (now() - start);
}

static EVP_PKEY *evp_key(int bits)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(bits == 512 ? NID_id_GostR3410_2012_512 : NID_id_GostR3410_2012_256, engine);
    EVP_PKEY *k = NULL;
    if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0 ||
        EVP_PKEY_CTX_ctrl_str(ctx, "paramset", bits == 512 ? "A" : "TCA") <= 0 || EVP_PKEY_keygen(ctx, &k) <= 0)
        die("EVP keygen", 0);
    EVP_PKEY_CTX_free(ctx);
    return k;
}

/* ---- the module ---- */

static const CK_BYTE tc26a256[] = {0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x01, 0x01, 0x01};
static const CK_BYTE tc26a512[] = {0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x01, 0x02, 0x01};

static CK_OBJECT_HANDLE token_key(CK_SESSION_HANDLE s, int bits)
{
    CK_BBOOL yes = CK_TRUE;
    CK_MECHANISM m = {bits == 512 ? CKM_GOSTR3410_512_KEY_PAIR_GEN_ : CKM_GOSTR3410_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE pub[] = {
        {CKA_GOSTR3410_PARAMS, (void *)(bits == 512 ? tc26a512 : tc26a256), sizeof tc26a256},
        {CKA_TOKEN, &yes, sizeof yes},
    };
    CK_ATTRIBUTE priv[] = {{CKA_TOKEN, &yes, sizeof yes}};
    CK_OBJECT_HANDLE hpub, hpriv;
    CK_RV rv = f->C_GenerateKeyPair(s, &m, pub, 2, priv, 1, &hpub, &hpriv);
    if (rv != CKR_OK)
        die("C_GenerateKeyPair", rv);
    return hpriv;
}

static void figure(const char *name, double value, double ref, const char *note)
{
    printf("{\"name\":\"%s\",\"value\":%.1f,\"unit\":\"sig/s\",\"reference\":%.1f,\"ratio\":%.3f,\"note\":\"%s\"}\n",
           name, value, ref, ref > 0 ? value / ref : 0, note);
}

int main(int argc, char **argv)
{
    CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR);
    CK_C_INITIALIZE_ARGS args = {0};
    CK_SLOT_ID slot = 0;
    CK_SESSION_HANDLE s;
    CK_UTF8CHAR label[32];
    static const char *so = "87654321", *pin = "12345678";
    void *lib;
    CK_RV rv;
    int bits, threads, i;

    if (argc != 4) {
        fprintf(stderr, "usage: tokenbench MODULE DIR SECONDS\n");
        return 2;
    }
    seconds = atof(argv[3]);
    setenv("GOSTTOKEN_DIR", argv[2], 1);

    engine = ENGINE_by_id("gost");
    if (engine == NULL || !ENGINE_init(engine))
        die("cannot load the GOST engine", 0);

    lib = dlopen(argv[1], RTLD_NOW);
    if (lib == NULL) {
        fprintf(stderr, "tokenbench: %s\n", dlerror());
        return 1;
    }
    *(void **)&get = dlsym(lib, "C_GetFunctionList");
    if (get == NULL || get(&f) != CKR_OK)
        die("C_GetFunctionList", 0);
    args.flags = CKF_OS_LOCKING_OK;
    if ((rv = f->C_Initialize(&args)) != CKR_OK)
        die("C_Initialize", rv);
    memset(label, ' ', sizeof label);
    memcpy(label, "bench", 5);
    if ((rv = f->C_InitToken(slot, (CK_UTF8CHAR_PTR)so, 8, label)) != CKR_OK)
        die("C_InitToken", rv);
    if ((rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s)) != CKR_OK)
        die("C_OpenSession", rv);
    if ((rv = f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)so, 8)) != CKR_OK ||
        (rv = f->C_InitPIN(s, (CK_UTF8CHAR_PTR)pin, 8)) != CKR_OK || (rv = f->C_Logout(s)) != CKR_OK ||
        (rv = f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, 8)) != CKR_OK)
        die("PIN set-up", rv);

    for (bits = 256; bits <= 512; bits += 256) {
        CK_OBJECT_HANDLE priv = token_key(s, bits);
        EVP_PKEY *key = evp_key(bits);
        for (threads = 1; threads <= 2; threads++) {
            job tj[2], rj[2];
            char name[128];
            double tr, rr;
            for (i = 0; i < threads; i++) {
                memset(&tj[i], 0, sizeof tj[i]);
                memset(&rj[i], 0, sizeof rj[i]);
                tj[i].bits = rj[i].bits = bits;
                tj[i].priv = priv;
                tj[i].mech = bits == 512 ? CKM_GOSTR3410_512_ : CKM_GOSTR3410;
                if ((rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &tj[i].session)) != CKR_OK)
                    die("C_OpenSession", rv);
                rj[i].key = key;
            }
            /* The machine is shared: alternate reference and module in
             * short rounds and keep each one's best, which interference
             * can only lower. */
            rr = tr = 0;
            for (i = 0; i < ROUNDS; i++) {
                double r = rate(evp_worker, rj, threads), t = rate(token_worker, tj, threads);
                rr = r > rr ? r : rr;
                tr = t > tr ? t : tr;
            }
            snprintf(name, sizeof name, "testtoken C_SignInit+C_Sign GOST 2012-%d, %d thread%s", bits, threads,
                     threads > 1 ? "s" : "");
            figure(name, tr, rr, "reference: EVP_PKEY_sign with the GOST engine in the same process; ratio = PKCS#11 layer cost");
            for (i = 0; i < threads; i++)
                f->C_CloseSession(tj[i].session);
        }
        EVP_PKEY_free(key);
    }
    f->C_Finalize(NULL);
    return 0;
}
