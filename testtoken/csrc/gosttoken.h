/*
 * gosttoken.h: internal declarations of the Zavera GOST test token, a
 * PKCS#11 v2.40 module that signs with GOST R 34.10-2012 through OpenSSL's
 * GOST engine.
 *
 * Threading: every entry point takes the module lock (gt_lock) for the
 * whole call, except the slow parts of C_Sign (the configured delay and
 * the signature itself, done on a private reference to the key) and the
 * polling loop of C_WaitForSlotEvent. Everything reached through the
 * global state g is owned by the module and only touched under the lock.
 */
#ifndef GOSTTOKEN_H
#define GOSTTOKEN_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* The C_* functions declared by the system header are the module's only
 * exported symbols; everything else is built with hidden visibility. */
#pragma GCC visibility push(default)
#include <p11-kit/pkcs11.h>
#pragma GCC visibility pop

#include <openssl/evp.h>

/* TC26 vendor range (NSSCK_VENDOR_PKCS11_RU_TEAM) and the GOST 2012
 * constants of the TC26 PKCS#11 guideline. */
#define GT_VENDOR_TC26 0xD4321000UL
#define GT_CKK_GOSTR3410_512 (GT_VENDOR_TC26 | 0x003UL)
#define GT_CKM_GOSTR3410_512_KEY_PAIR_GEN (GT_VENDOR_TC26 | 0x005UL)
#define GT_CKM_GOSTR3410_512 (GT_VENDOR_TC26 | 0x006UL)
#define GT_CKM_GOSTR3410_WITH_GOSTR3411_12_256 (GT_VENDOR_TC26 | 0x008UL)
#define GT_CKM_GOSTR3410_WITH_GOSTR3411_12_512 (GT_VENDOR_TC26 | 0x009UL)
#define GT_CKM_GOSTR3411_12_256 (GT_VENDOR_TC26 | 0x012UL)
#define GT_CKM_GOSTR3411_12_512 (GT_VENDOR_TC26 | 0x013UL)

#define GT_MAX_SLOTS 16
#define GT_NAME_MAX 48
#define GT_MIN_PIN 4
#define GT_MAX_PIN 64
#define GT_DEFAULT_TRIES 10
#define GT_NO_USER ((CK_USER_TYPE)-1)

/* ---- attributes and objects (object.c) ---- */

typedef struct gt_attr {
    CK_ATTRIBUTE_TYPE type;
    CK_BYTE *val;
    CK_ULONG len;
} gt_attr;

typedef struct gt_object {
    CK_OBJECT_HANDLE handle;
    CK_BBOOL on_token;
    CK_SESSION_HANDLE owner; /* creating session, for session objects */
    gt_attr *attrs;
    size_t nattrs;
    EVP_PKEY *pkey; /* cached key for signing/verifying, may be NULL */
    struct gt_object *next;
} gt_object;

gt_object *gt_obj_new(void);
void gt_obj_free(gt_object *o);
void gt_obj_free_list(gt_object *o);
/* gt_obj_get's result is valid until the next gt_obj_set* on the same
 * object, which may move the attributes. */
const gt_attr *gt_obj_get(const gt_object *o, CK_ATTRIBUTE_TYPE type);
int gt_obj_set(gt_object *o, CK_ATTRIBUTE_TYPE type, const void *val, CK_ULONG len);
int gt_obj_set_ulong(gt_object *o, CK_ATTRIBUTE_TYPE type, CK_ULONG v);
int gt_obj_set_bool(gt_object *o, CK_ATTRIBUTE_TYPE type, CK_BBOOL v);
CK_BBOOL gt_obj_bool(const gt_object *o, CK_ATTRIBUTE_TYPE type, CK_BBOOL dflt);
CK_ULONG gt_obj_ulong(const gt_object *o, CK_ATTRIBUTE_TYPE type, CK_ULONG dflt);
int gt_obj_matches(const gt_object *o, const CK_ATTRIBUTE *tmpl, CK_ULONG n);

/* ---- tokens, slots and sessions ---- */

typedef struct gt_pin {
    int set;
    unsigned char salt[16];
    unsigned char hash[32];
    CK_ULONG tries; /* remaining */
} gt_pin;

typedef struct gt_token {
    int initialized;
    char label[33]; /* NUL-terminated, at most 32 bytes */
    gt_pin so, user;
    gt_object *objects; /* token objects and this process's session objects */
} gt_token;

/* gt_control holds the faults a test sets through the control file. */
typedef struct gt_control {
    int present;           /* 0: the token is pulled out */
    unsigned long delay_ms; /* delay before every signature */
    unsigned long fail_sign; /* the Nth signature fails with CKR_DEVICE_ERROR, 0: never */
    int pinpad;             /* GT_PINPAD_* */
    unsigned long pinpad_delay_ms;
    unsigned long replug;   /* a new value: pulled out and put back at once */
    int mechs;              /* GT_MECHS_*: which mechanisms the token offers */
    int certs_private;      /* certificates visible only after a user login */
    int login_shared;       /* logged in by another application: C_Login answers
                             * CKR_USER_ALREADY_LOGGED_IN */
} gt_control;

enum { GT_MECHS_ALL, GT_MECHS_COMBINED, GT_MECHS_STANDARD, GT_MECHS_VENDOR };
enum { GT_PINPAD_NONE, GT_PINPAD_CONFIRM, GT_PINPAD_CANCEL, GT_PINPAD_WRONG };

typedef struct gt_slot {
    CK_SLOT_ID id;
    char name[GT_NAME_MAX + 1];
    char serial[17];
    gt_token tok;
    int present;
    unsigned long generation; /* bumped on each insertion */
    CK_USER_TYPE login;       /* CKU_USER, CKU_SO or GT_NO_USER */
    int event;                /* a slot event not yet reported */
    gt_control ctl;
    unsigned long signs;      /* signatures since the control file changed */
    struct stat file;         /* the token file as last read or written */
    int file_known;
} gt_slot;

enum { GT_OP_NONE, GT_OP_SIGN, GT_OP_VERIFY, GT_OP_DIGEST };

typedef struct gt_op {
    int kind;
    CK_MECHANISM_TYPE mech;
    CK_OBJECT_HANDLE key;
    EVP_MD_CTX *md;      /* for the hash-on-token mechanisms and digests */
    unsigned char buf[64]; /* for the raw mechanisms */
    size_t buflen;
    int overflow;
} gt_op;

typedef struct gt_session {
    CK_SESSION_HANDLE handle;
    gt_slot *slot;
    unsigned long generation;
    CK_FLAGS flags;
    gt_op sign, verify, digest;
    int finding;
    CK_OBJECT_HANDLE *found;
    size_t nfound, pos;
    struct gt_session *next;
} gt_session;

typedef struct gt_state {
    int initialized;
    char dir[PATH_MAX];
    size_t nslots;
    gt_slot slots[GT_MAX_SLOTS];
    gt_session *sessions;
    CK_SESSION_HANDLE next_session;
    CK_OBJECT_HANDLE next_object;
    CK_ULONG max_user_tries, max_so_tries;
    /* control file change detection */
    struct timespec ctl_mtime, ctl_ctime;
    off_t ctl_size;
    ino_t ctl_ino;
    int ctl_seen;
    /* module-wide faults from the control file (see control.c) */
    char crash_on[40], abort_on[40], hang_on[40];
    unsigned long leak_per_call;
    /* vendor behaviour of the whole module (see control.c) */
    int no_slot_events;          /* C_WaitForSlotEvent: CKR_FUNCTION_NOT_SUPPORTED */
    unsigned long list_delay_ms; /* C_GetSlotList and C_FindObjects take this long */
} gt_state;

extern gt_state g;

/* module.c: the lock */
void gt_lock(void);
void gt_unlock(void);

/* config.c: the configuration and the token files */
CK_RV gt_config_load(void);
CK_RV gt_token_load(gt_slot *s);
CK_RV gt_token_save(gt_slot *s);
void gt_token_refresh(gt_slot *s);

/* control.c */
void gt_control_refresh(void);
void gt_fault(const char *call);
unsigned long gt_list_delay(void);
int gt_mech_offered(const gt_slot *s, CK_MECHANISM_TYPE m);

/* slot.c */
gt_slot *gt_slot_find(CK_SLOT_ID id);
CK_RV gt_slot_ready(CK_SLOT_ID id, gt_slot **out);
void gt_slot_removed(gt_slot *s);

/* session.c */
CK_RV gt_session_get(CK_SESSION_HANDLE h, gt_session **out);
void gt_session_free(gt_session *s);
void gt_op_reset(gt_op *op);
int gt_object_visible(const gt_session *s, const gt_object *o);
gt_object *gt_object_find(gt_session *s, CK_OBJECT_HANDLE h);
CK_OBJECT_HANDLE gt_object_handle(void);
int gt_pin_check(const gt_pin *p, const CK_BYTE *pin, CK_ULONG len);
CK_RV gt_pin_set(gt_pin *p, const CK_BYTE *pin, CK_ULONG len, CK_ULONG tries);

/* crypto.c: OpenSSL and the GOST engine */
CK_RV gt_crypto_init(void);
int gt_params_bits(const CK_BYTE *oid, CK_ULONG len, const char **paramset);
const CK_BYTE *gt_digest_oid(int bits, CK_ULONG *len);
CK_RV gt_keygen(int bits, const char *paramset, unsigned char *priv, unsigned char *pub);
CK_RV gt_key_private(int bits, const CK_BYTE *params, CK_ULONG plen, const unsigned char *priv, EVP_PKEY **out);
CK_RV gt_key_public(int bits, const CK_BYTE *params, CK_ULONG plen, const unsigned char *pub, EVP_PKEY **out);
CK_RV gt_sign_raw(EVP_PKEY *k, const unsigned char *h, size_t hlen, unsigned char *sig, size_t *siglen);
CK_RV gt_verify_raw(EVP_PKEY *k, const unsigned char *h, size_t hlen, const unsigned char *sig, size_t siglen);
CK_RV gt_md_new(int bits, EVP_MD_CTX **out);
CK_RV gt_random(unsigned char *buf, size_t n);
void gt_sha256(const void *a, size_t alen, const void *b, size_t blen, unsigned char out[32]);

/* helpers */
void gt_pad(unsigned char *dst, size_t n, const char *src);
void gt_sleep_ms(unsigned long ms);
int gt_hex_decode(const char *hex, unsigned char **out, size_t *outlen);

#endif
