/*
 * control.c: faults on demand, read from the file "control" in the
 * storage directory.
 *
 * The file is looked at (stat) on every call into the module and parsed
 * again when its modification time, change time, size or inode differ, so
 * a test can flip faults while a client holds the module open. Write it
 * with a rename, or make sure the new content differs in size or time.
 * Each line is "KEY = VALUE" for every slot or "SLOT.KEY = VALUE" for
 * one slot; '#' starts a comment:
 *
 *   present = 0|1          0: the token is pulled out of the slot
 *   sign_delay_ms = N      every signature takes N ms more
 *   fail_sign = N          the Nth signature (counted from this version of
 *                          the file) fails with CKR_DEVICE_ERROR
 *   pinpad = none|confirm|cancel|wrong
 *                          the token has a PIN pad
 *                          (CKF_PROTECTED_AUTHENTICATION_PATH): C_Login
 *                          without a PIN succeeds, is cancelled
 *                          (CKR_FUNCTION_CANCELED) or counts as a wrong PIN
 *   pinpad_delay_ms = N    the time the user takes at the PIN pad
 *   replug = N             each new value pulls the token out and puts it
 *                          back at once, between two calls: sessions are
 *                          gone, nothing else tells it but slot events
 *
 * Vendors' behaviour, per slot:
 *
 *   mechanisms = all|combined|standard|vendor
 *                          combined: only the hash-on-token mechanisms
 *                          CKM_GOSTR3410_WITH_GOSTR3411_12_256/512 sign;
 *                          the raw CKM_GOSTR3410 / _512 are neither listed
 *                          nor accepted (CKR_MECHANISM_INVALID);
 *                          standard: only what PKCS#11 itself defines
 *                          (CKM_GOSTR3410_KEY_PAIR_GEN, CKM_GOSTR3410),
 *                          nothing from the TC26 vendor range: 2012-256
 *                          keys sign with the raw mechanism, 512-bit keys
 *                          not at all;
 *                          vendor: only the TC26 vendor range, nothing
 *                          PKCS#11 itself defines: 2012-256 keys sign
 *                          only through the combined mechanism, 512-bit
 *                          keys with the raw _512 or the combined one
 *   certificates = public|after_login
 *                          after_login: certificates are private objects,
 *                          found only in a session with a user login
 *   login_shared = 0|1     1: the token is logged in by another
 *                          application, as tokens whose login is kept by
 *                          the driver across programs are: sessions are in
 *                          a user state from the start and C_Login answers
 *                          CKR_USER_ALREADY_LOGGED_IN; closing this
 *                          process's sessions does not end that login, only
 *                          C_Logout does, and it is back after re-insertion
 *
 * and for the whole module (no slot prefix):
 *
 *   slot_events = 0|1      0: C_WaitForSlotEvent is not supported
 *                          (CKR_FUNCTION_NOT_SUPPORTED)
 *   list_delay_ms = N      C_GetSlotList and C_FindObjects take N ms more
 *                          each (slow enumeration), without holding the
 *                          module lock
 *
 * Faults of the whole module, for tests of a host process that survives
 * its module (they take no slot prefix; CALL is a PKCS#11 function name
 * such as C_Sign, and only the functions that call gt_fault know it):
 *
 *   crash_on = CALL        the call dereferences NULL: SIGSEGV
 *   abort_on = CALL        the call calls abort(): SIGABRT
 *   hang_on = CALL         the call never returns (sleeps forever)
 *   leak_per_call = BYTES  every call allocates BYTES, touches them and
 *                          never frees them
 *
 * Lines that do not parse are ignored. A missing file means no faults.
 * Pulling a token out logs it out, drops its session objects and makes
 * its sessions fail with CKR_DEVICE_REMOVED; after reinsertion they are
 * gone (CKR_SESSION_HANDLE_INVALID). Both changes are slot events for
 * C_WaitForSlotEvent.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gosttoken.h"

static void defaults(gt_control *c)
{
    memset(c, 0, sizeof *c);
    c->present = 1;
}

static char *trim(char *s)
{
    char *e;
    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static void set_key(gt_control *c, const char *key, const char *val)
{
    char *end;
    unsigned long v = strtoul(val, &end, 10);
    int num = *val != '\0' && *end == '\0' && v <= 3600000UL;

    if (strcmp(key, "present") == 0 && num)
        c->present = v != 0;
    else if (strcmp(key, "sign_delay_ms") == 0 && num)
        c->delay_ms = v;
    else if (strcmp(key, "fail_sign") == 0 && num)
        c->fail_sign = v;
    else if (strcmp(key, "pinpad_delay_ms") == 0 && num)
        c->pinpad_delay_ms = v;
    else if (strcmp(key, "replug") == 0 && num)
        c->replug = v;
    else if (strcmp(key, "login_shared") == 0 && num)
        c->login_shared = v != 0;
    else if (strcmp(key, "mechanisms") == 0)
        c->mechs = strcmp(val, "combined") == 0   ? GT_MECHS_COMBINED
                   : strcmp(val, "standard") == 0 ? GT_MECHS_STANDARD
                   : strcmp(val, "vendor") == 0   ? GT_MECHS_VENDOR
                                                  : GT_MECHS_ALL;
    else if (strcmp(key, "certificates") == 0)
        c->certs_private = strcmp(val, "after_login") == 0;
    else if (strcmp(key, "pinpad") == 0) {
        if (strcmp(val, "none") == 0)
            c->pinpad = GT_PINPAD_NONE;
        else if (strcmp(val, "confirm") == 0)
            c->pinpad = GT_PINPAD_CONFIRM;
        else if (strcmp(val, "cancel") == 0)
            c->pinpad = GT_PINPAD_CANCEL;
        else if (strcmp(val, "wrong") == 0)
            c->pinpad = GT_PINPAD_WRONG;
    }
}

static void set_fault(char *dst, size_t n, const char *val)
{
    snprintf(dst, n, "%s", val);
}

/* set_module_key sets a module-wide fault; 0 when key is not one. */
static int set_module_key(const char *key, const char *val)
{
    char *end;
    unsigned long v;

    if (strcmp(key, "crash_on") == 0)
        set_fault(g.crash_on, sizeof g.crash_on, val);
    else if (strcmp(key, "abort_on") == 0)
        set_fault(g.abort_on, sizeof g.abort_on, val);
    else if (strcmp(key, "hang_on") == 0)
        set_fault(g.hang_on, sizeof g.hang_on, val);
    else if (strcmp(key, "leak_per_call") == 0) {
        v = strtoul(val, &end, 10);
        if (*val != '\0' && *end == '\0' && v <= 64UL << 20)
            g.leak_per_call = v;
    } else if (strcmp(key, "slot_events") == 0) {
        g.no_slot_events = strcmp(val, "0") == 0;
    } else if (strcmp(key, "list_delay_ms") == 0) {
        v = strtoul(val, &end, 10);
        if (*val != '\0' && *end == '\0' && v <= 3600000UL)
            g.list_delay_ms = v;
    } else
        return 0;
    return 1;
}

static void parse(FILE *f, gt_control *ctl)
{
    char line[256];
    size_t i;

    while (fgets(line, sizeof line, f) != NULL) {
        char *hash = strchr(line, '#'), *eq, *key, *val, *dot;
        if (hash != NULL)
            *hash = '\0';
        eq = strchr(line, '=');
        if (eq == NULL)
            continue;
        *eq = '\0';
        key = trim(line);
        val = trim(eq + 1);
        dot = strchr(key, '.');
        if (dot == NULL && set_module_key(key, val))
            continue;
        if (dot == NULL) {
            for (i = 0; i < g.nslots; i++)
                set_key(&ctl[i], key, val);
            continue;
        }
        *dot = '\0';
        for (i = 0; i < g.nslots; i++)
            if (strcmp(g.slots[i].name, key) == 0)
                set_key(&ctl[i], dot + 1, val);
    }
}

/* gt_control_refresh re-reads the control file when it changed and
 * applies insertions and removals. The caller holds the lock. */
void gt_control_refresh(void)
{
    char path[PATH_MAX + 16];
    gt_control ctl[GT_MAX_SLOTS];
    struct stat st;
    size_t i;
    FILE *f;

    snprintf(path, sizeof path, "%s/control", g.dir);
    if (stat(path, &st) != 0) {
        if (g.ctl_seen == 0)
            return;
        memset(&st, 0, sizeof st);
        g.ctl_seen = 0;
    } else {
        if (g.ctl_seen && st.st_mtim.tv_sec == g.ctl_mtime.tv_sec &&
            st.st_mtim.tv_nsec == g.ctl_mtime.tv_nsec &&
            st.st_ctim.tv_sec == g.ctl_ctime.tv_sec &&
            st.st_ctim.tv_nsec == g.ctl_ctime.tv_nsec &&
            st.st_size == g.ctl_size && st.st_ino == g.ctl_ino)
            return;
        g.ctl_seen = 1;
    }
    g.ctl_mtime = st.st_mtim;
    g.ctl_ctime = st.st_ctim;
    g.ctl_size = st.st_size;
    g.ctl_ino = st.st_ino;

    for (i = 0; i < g.nslots; i++)
        defaults(&ctl[i]);
    g.crash_on[0] = g.abort_on[0] = g.hang_on[0] = '\0';
    g.leak_per_call = 0;
    g.no_slot_events = 0;
    g.list_delay_ms = 0;
    if (g.ctl_seen && (f = fopen(path, "r")) != NULL) {
        parse(f, ctl);
        fclose(f);
    }
    for (i = 0; i < g.nslots; i++) {
        gt_slot *s = &g.slots[i];
        int replugged = ctl[i].replug != s->ctl.replug;
        s->ctl = ctl[i];
        s->signs = 0;
        if (replugged && s->present && ctl[i].present) {
            gt_slot_removed(s);
            s->generation++;
            s->event = 1;
            gt_token_load(s);
        } else if (s->present && !ctl[i].present) {
            s->present = 0;
            s->event = 1;
            gt_slot_removed(s);
        } else if (!s->present && ctl[i].present) {
            s->present = 1;
            s->generation++;
            s->event = 1;
            gt_token_load(s);
        }
        if (s->present && s->ctl.login_shared && s->login == GT_NO_USER && s->tok.user.set)
            s->login = CKU_USER;
    }
}

/* gt_list_delay returns the enumeration delay (list_delay_ms); it takes
 * the lock, so call it without. */
unsigned long gt_list_delay(void)
{
    unsigned long d;

    if (!__atomic_load_n(&g.initialized, __ATOMIC_ACQUIRE))
        return 0;
    gt_lock();
    gt_control_refresh();
    d = g.list_delay_ms;
    gt_unlock();
    return d;
}

/* gt_mech_offered tells whether the token in s offers mechanism m: a
 * token with "mechanisms = combined" has no raw GOST signature, one with
 * "mechanisms = standard" nothing from the vendor range, one with
 * "mechanisms = vendor" nothing outside it. */
int gt_mech_offered(const gt_slot *s, CK_MECHANISM_TYPE m)
{
    if (s->ctl.mechs == GT_MECHS_COMBINED && (m == CKM_GOSTR3410 || m == GT_CKM_GOSTR3410_512))
        return 0;
    if (s->ctl.mechs == GT_MECHS_STANDARD && (m & CKM_VENDOR_DEFINED))
        return 0;
    if (s->ctl.mechs == GT_MECHS_VENDOR && !(m & CKM_VENDOR_DEFINED))
        return 0;
    return 1;
}

/* gt_fault applies the module-wide faults to the call named: it crashes,
 * aborts or hangs when the control file says so for this call, and leaks
 * leak_per_call bytes on every call. It takes the lock to read the file;
 * call it first thing, without the lock held. */
void gt_fault(const char *call)
{
    int crash, abrt, hang;
    unsigned long leak;

    if (!__atomic_load_n(&g.initialized, __ATOMIC_ACQUIRE))
        return;
    gt_lock();
    gt_control_refresh();
    crash = strcmp(g.crash_on, call) == 0;
    abrt = strcmp(g.abort_on, call) == 0;
    hang = strcmp(g.hang_on, call) == 0;
    leak = g.leak_per_call;
    gt_unlock();
    if (leak >= sizeof(void *)) {
        /* Chained from a global, touched: resident, and never freed. */
        static void *leaked;
        void **p = malloc(leak);
        if (p != NULL) {
            memset(p, 0xA5, leak);
            *p = __atomic_exchange_n(&leaked, (void *)p, __ATOMIC_ACQ_REL);
        }
    }
    if (crash) {
        volatile int *nowhere = NULL;
        *nowhere = 1;
    }
    if (abrt)
        abort();
    while (hang)
        gt_sleep_ms(1000);
}
