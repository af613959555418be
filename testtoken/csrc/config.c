/*
 * config.c: the storage directory, its configuration file and the token
 * files.
 *
 * The directory is $GOSTTOKEN_DIR (else $HOME/.gosttoken). It holds
 *
 *   gosttoken.conf   slots and PIN retry limits, read by C_Initialize:
 *                        slot NAME            (one line per slot, in slot id order)
 *                        user_pin_tries N     (default 10)
 *                        so_pin_tries N       (default 10)
 *                    without it the module offers one slot named "token0";
 *   NAME.token       the state of the token in slot NAME: label, PIN
 *                    verifiers and counters, token objects. Written whole
 *                    (a temporary file renamed over the old one) after
 *                    every change, read by C_Initialize and again when
 *                    another process changed it while this one had no
 *                    session open on the token (gt_token_refresh);
 *   control          faults, see control.c.
 *
 * A token file is a line format: "gosttoken 1", "initialized 0|1",
 * "label HEX", "so|user SALTHEX HASHHEX TRIES" (or "- -" for a PIN not
 * set), then per object "object", "attr TYPEHEX VALUEHEX|-" lines and
 * "end". A file that does not parse makes C_Initialize fail with
 * CKR_DEVICE_ERROR rather than start with a half-read token.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "gosttoken.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* gt_hex_decode decodes hex ("-" is empty) into a new buffer. */
int gt_hex_decode(const char *hex, unsigned char **out, size_t *outlen)
{
    size_t n = strlen(hex), i;
    unsigned char *b;

    *out = NULL;
    *outlen = 0;
    if (strcmp(hex, "-") == 0)
        return 1;
    if (n % 2 != 0)
        return 0;
    b = malloc(n / 2 + 1);
    if (b == NULL)
        return 0;
    for (i = 0; i < n / 2; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(b);
            return 0;
        }
        b[i] = (unsigned char)(hi << 4 | lo);
    }
    *out = b;
    *outlen = n / 2;
    return 1;
}

static void hex_write(FILE *f, const unsigned char *b, size_t n)
{
    size_t i;
    if (n == 0) {
        fputc('-', f);
        return;
    }
    for (i = 0; i < n; i++)
        fprintf(f, "%02x", b[i]);
}

static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > GT_NAME_MAX)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
            return 0;
    return 1;
}

static void slot_add(const char *name)
{
    gt_slot *s = &g.slots[g.nslots];
    unsigned char h[32];
    size_t i;

    memset(s, 0, sizeof *s);
    s->id = g.nslots;
    snprintf(s->name, sizeof s->name, "%s", name);
    gt_sha256("gosttoken serial:", 17, name, strlen(name), h);
    for (i = 0; i < 8; i++)
        snprintf(s->serial + 2 * i, 3, "%02X", h[i]);
    s->present = 1;
    s->generation = 1;
    s->login = GT_NO_USER;
    s->ctl.present = 1;
    s->tok.so.tries = g.max_so_tries;
    s->tok.user.tries = g.max_user_tries;
    g.nslots++;
}

CK_RV gt_config_load(void)
{
    const char *dir = getenv("GOSTTOKEN_DIR");
    const char *home = getenv("HOME");
    char path[PATH_MAX + 32], line[512], name[GT_NAME_MAX + 2];
    char *names[GT_MAX_SLOTS];
    size_t nnames = 0, i;
    unsigned long v;
    FILE *f;
    CK_RV rv = CKR_OK;

    if (dir != NULL && *dir != '\0')
        snprintf(g.dir, sizeof g.dir, "%s", dir);
    else if (home != NULL && *home != '\0')
        snprintf(g.dir, sizeof g.dir, "%s/.gosttoken", home);
    else
        return CKR_GENERAL_ERROR;
    if (mkdir(g.dir, 0700) != 0 && errno != EEXIST)
        return CKR_GENERAL_ERROR;
    g.max_user_tries = GT_DEFAULT_TRIES;
    g.max_so_tries = GT_DEFAULT_TRIES;
    g.next_session = 1;
    g.next_object = 1;

    snprintf(path, sizeof path, "%s/gosttoken.conf", g.dir);
    f = fopen(path, "r");
    if (f != NULL) {
        while (fgets(line, sizeof line, f) != NULL) {
            char *p = line;
            while (isspace((unsigned char)*p))
                p++;
            if (*p == '#' || *p == '\0')
                continue;
            if (sscanf(p, "slot %49s", name) == 1) {
                if (!valid_name(name) || nnames == GT_MAX_SLOTS) {
                    rv = CKR_GENERAL_ERROR;
                    break;
                }
                names[nnames] = strdup(name);
                if (names[nnames] == NULL) {
                    rv = CKR_HOST_MEMORY;
                    break;
                }
                nnames++;
            } else if (sscanf(p, "user_pin_tries %lu", &v) == 1 && v > 0 && v < 100) {
                g.max_user_tries = v;
            } else if (sscanf(p, "so_pin_tries %lu", &v) == 1 && v > 0 && v < 100) {
                g.max_so_tries = v;
            } else {
                rv = CKR_GENERAL_ERROR;
                break;
            }
        }
        fclose(f);
    }
    if (rv == CKR_OK) {
        if (nnames == 0)
            slot_add("token0");
        for (i = 0; i < nnames; i++)
            slot_add(names[i]);
    }
    for (i = 0; i < nnames; i++)
        free(names[i]);
    for (i = 0; rv == CKR_OK && i < g.nslots; i++)
        rv = gt_token_load(&g.slots[i]);
    return rv;
}

static void token_path(const gt_slot *s, char *buf, size_t n, const char *suffix)
{
    snprintf(buf, n, "%s/%s.token%s", g.dir, s->name, suffix);
}

/* remember records the token file's identity, so that gt_token_refresh
 * can tell another process's changes from ours. */
static void remember(gt_slot *s)
{
    char path[PATH_MAX + 64];

    token_path(s, path, sizeof path, "");
    s->file_known = stat(path, &s->file) == 0;
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* gt_token_refresh reads the token file again when another process
 * changed it and no session of this one is open on the token (open
 * sessions keep the state they started with, as handles must stay
 * valid). The caller holds the lock. */
void gt_token_refresh(gt_slot *s)
{
    char path[PATH_MAX + 64];
    struct stat st;
    gt_session *ss;
    int exists;

    token_path(s, path, sizeof path, "");
    exists = stat(path, &st) == 0;
    if (exists == s->file_known && (!exists || same_file(&st, &s->file)))
        return;
    for (ss = g.sessions; ss != NULL; ss = ss->next)
        if (ss->slot == s && ss->generation == s->generation)
            return;
    gt_token_load(s);
}

static int parse_pin(char *rest, gt_pin *p)
{
    char salt[80], hash[80];
    unsigned long tries;
    unsigned char *b1 = NULL, *b2 = NULL;
    size_t n1, n2;
    int ok = 0;

    if (sscanf(rest, "%79s %79s %lu", salt, hash, &tries) != 3 || tries > 100)
        return 0;
    memset(p, 0, sizeof *p);
    p->tries = tries;
    if (strcmp(salt, "-") == 0 && strcmp(hash, "-") == 0)
        return 1;
    if (gt_hex_decode(salt, &b1, &n1) && gt_hex_decode(hash, &b2, &n2) &&
        n1 == sizeof p->salt && n2 == sizeof p->hash) {
        memcpy(p->salt, b1, n1);
        memcpy(p->hash, b2, n2);
        p->set = 1;
        ok = 1;
    }
    free(b1);
    free(b2);
    return ok;
}

/* gt_token_load reads the token file of slot s; a missing file is a token
 * never initialised. */
CK_RV gt_token_load(gt_slot *s)
{
    char path[PATH_MAX + 64];
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    FILE *f;
    gt_token *t = &s->tok;
    gt_object *cur = NULL, **tail;
    int ok = 1, header = 0;

    gt_obj_free_list(t->objects);
    memset(t, 0, sizeof *t);
    t->so.tries = g.max_so_tries;
    t->user.tries = g.max_user_tries;
    remember(s);
    token_path(s, path, sizeof path, "");
    f = fopen(path, "r");
    if (f == NULL)
        return errno == ENOENT ? CKR_OK : CKR_DEVICE_ERROR;
    tail = &t->objects;
    while (ok && (n = getline(&line, &cap, f)) > 0) {
        char kw[16];
        int off = 0;

        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0)
            continue;
        if (sscanf(line, "%15s %n", kw, &off) < 1) {
            ok = 0;
            break;
        }
        char *rest = line + off;
        if (!header) {
            ok = strcmp(kw, "gosttoken") == 0 && strcmp(rest, "1") == 0;
            header = 1;
        } else if (cur != NULL) {
            if (strcmp(kw, "end") == 0) {
                cur->on_token = CK_TRUE;
                cur->handle = gt_object_handle();
                *tail = cur;
                tail = &cur->next;
                cur = NULL;
            } else if (strcmp(kw, "attr") == 0) {
                char *sp = strchr(rest, ' '), *endp;
                unsigned long type;
                unsigned char *b;
                size_t blen;
                if (sp == NULL) {
                    ok = 0;
                    break;
                }
                *sp = '\0';
                type = strtoul(rest, &endp, 16);
                if (*rest == '\0' || *endp != '\0' || !gt_hex_decode(sp + 1, &b, &blen)) {
                    ok = 0;
                    break;
                }
                ok = gt_obj_set(cur, type, b, blen);
                if (b != NULL) {
                    OPENSSL_cleanse(b, blen);
                    free(b);
                }
            } else {
                ok = 0;
            }
        } else if (strcmp(kw, "initialized") == 0) {
            t->initialized = strcmp(rest, "1") == 0;
        } else if (strcmp(kw, "label") == 0) {
            unsigned char *b;
            size_t blen;
            ok = gt_hex_decode(rest, &b, &blen) && blen <= 32;
            if (ok && blen > 0)
                memcpy(t->label, b, blen);
            free(b);
        } else if (strcmp(kw, "so") == 0) {
            ok = parse_pin(rest, &t->so);
        } else if (strcmp(kw, "user") == 0) {
            ok = parse_pin(rest, &t->user);
        } else if (strcmp(kw, "object") == 0) {
            cur = gt_obj_new();
            ok = cur != NULL;
        } else {
            ok = 0;
        }
    }
    if (cur != NULL) {
        gt_obj_free(cur);
        ok = 0;
    }
    free(line);
    fclose(f);
    if (!ok || !header) {
        gt_obj_free_list(t->objects);
        t->objects = NULL;
        return CKR_DEVICE_ERROR;
    }
    return CKR_OK;
}

static void write_pin(FILE *f, const char *kw, const gt_pin *p)
{
    fprintf(f, "%s ", kw);
    if (p->set) {
        hex_write(f, p->salt, sizeof p->salt);
        fputc(' ', f);
        hex_write(f, p->hash, sizeof p->hash);
    } else {
        fputs("- -", f);
    }
    fprintf(f, " %lu\n", p->tries);
}

/* gt_token_save writes the token file of slot s (token objects only). */
CK_RV gt_token_save(gt_slot *s)
{
    char path[PATH_MAX + 64], tmp[PATH_MAX + 64];
    const gt_token *t = &s->tok;
    const gt_object *o;
    FILE *f;
    size_t i;
    int ok;

    token_path(s, path, sizeof path, "");
    token_path(s, tmp, sizeof tmp, ".tmp");
    f = fopen(tmp, "w");
    if (f == NULL)
        return CKR_DEVICE_ERROR;
    fchmod(fileno(f), 0600);
    fprintf(f, "gosttoken 1\ninitialized %d\nlabel ", t->initialized);
    hex_write(f, (const unsigned char *)t->label, strlen(t->label));
    fputc('\n', f);
    write_pin(f, "so", &t->so);
    write_pin(f, "user", &t->user);
    for (o = t->objects; o != NULL; o = o->next) {
        if (!o->on_token)
            continue;
        fputs("object\n", f);
        for (i = 0; i < o->nattrs; i++) {
            fprintf(f, "attr %lx ", o->attrs[i].type);
            hex_write(f, o->attrs[i].val, o->attrs[i].len);
            fputc('\n', f);
        }
        fputs("end\n", f);
    }
    ok = !ferror(f);
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return CKR_DEVICE_ERROR;
    }
    remember(s);
    return CKR_OK;
}
