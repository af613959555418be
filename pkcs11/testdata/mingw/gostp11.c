/*
 * A GOST PKCS#11 module for Windows on libgcrypt, for the tests that run
 * under Wine (.ci/wine-test builds it with mingw and puts libgcrypt's DLLs
 * beside it; the test copies them beside the module, where Windows finds
 * them because the package loads modules with LOAD_WITH_ALTERED_SEARCH_PATH).
 *
 * One slot, one token with one GOST R 34.10-2012 256-bit key: a
 * certificate, a public key and a private key sharing CKA_ID. The key and
 * certificate come from the test through environment variables read at
 * C_Initialize (with GetEnvironmentVariableA, which sees what the process
 * set after it started, unlike the C runtime's copy):
 *
 *   ZAVERA_GOSTP11_CURVE  libgcrypt's curve name (GOST2001-CryptoPro-A)
 *   ZAVERA_GOSTP11_D      the private scalar, big-endian hex
 *   ZAVERA_GOSTP11_PUB    CKA_VALUE of the public key, hex
 *   ZAVERA_GOSTP11_CERT   the certificate, DER in hex
 *
 * The user PIN is 1234. C_Sign with CKM_GOSTR3410 signs a 32-byte hash,
 * read as a little-endian number as GOST R 34.10-2012 has it, and returns
 * BE(s) || BE(r).
 *
 * Faults on demand, for the tests of module isolation, come from a control
 * file named by ZAVERA_GOSTP11_CONTROL. Every call but C_Initialize,
 * C_Finalize and C_WaitForSlotEvent looks at the file (its size, time of last write and file
 * index) and reads it again when any of them changed, so that a test can
 * set a fault and clear it while a host holds the module. Each line is
 * "KEY = VALUE"; CALL is a PKCS#11 function name such as C_Sign:
 *
 *   crash_on = CALL        the call writes through a null pointer: an
 *                          access violation (0xC0000005)
 *   abort_on = CALL        the call calls abort()
 *   hang_on = CALL         the call never returns
 *   leak_on = CALL         the call allocates leak_bytes, touches them and
 *                          never frees them
 *   leak_bytes = N         1 MiB when not given
 *
 * Other lines are ignored; no variable or no file means no faults.
 */
#define CRYPTOKI_EXPORTS
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <p11-kit/pkcs11.h>
#include <gcrypt.h>
#ifdef _WIN32
#include <windows.h>
#endif

#define SLOT 1
#define SIZE 32
#define NSESSIONS 16
#define NOBJECTS 3
#define NATTRS 8
#define CKK_GOST CKK_GOSTR3410
#define CKM_GOST CKM_GOSTR3410

struct attr {
	CK_ATTRIBUTE_TYPE type;
	const void *value;
	CK_ULONG len;
};

struct object {
	struct attr attrs[NATTRS];
	int n;
};

struct session {
	int open;
	CK_OBJECT_HANDLE found[NOBJECTS];
	int nfound, pos, finding;
	int signing;
};

static int initialised, logged_in;
static struct object objects[NOBJECTS];
static struct session sessions[NSESSIONS];
static char curve[64];
static unsigned char d[SIZE], pub[2 * SIZE], *cert;
static size_t cert_len;

static const CK_OBJECT_CLASS cls_cert = CKO_CERTIFICATE, cls_pub = CKO_PUBLIC_KEY, cls_priv = CKO_PRIVATE_KEY;
static const CK_CERTIFICATE_TYPE x509 = CKC_X_509;
static const CK_KEY_TYPE ktype = CKK_GOST;
static const CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static const unsigned char id[] = {0x57, 0x49, 0x4e, 0x31};
static const char label[] = "Zavera GOST key";

static void pad(CK_UTF8CHAR *dst, size_t n, const char *s)
{
	size_t len = strlen(s);
	memset(dst, ' ', n);
	memcpy(dst, s, len < n ? len : n);
}

static int env(const char *name, char *buf, size_t n)
{
#ifdef _WIN32
	DWORD got = GetEnvironmentVariableA(name, buf, (DWORD)n);
	return got > 0 && got < n;
#else
	const char *v = getenv(name);
	if (v == NULL || strlen(v) >= n)
		return 0;
	strcpy(buf, v);
	return 1;
#endif
}

static int unhex(const char *s, unsigned char *out, size_t max, size_t *len)
{
	size_t n = strlen(s), i;
	if (n % 2 || n / 2 > max)
		return 0;
	for (i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return 0;
		out[i] = (unsigned char)v;
	}
	*len = n / 2;
	return 1;
}

#ifdef _WIN32
#define CALL_LEN 32

static struct {
	char crash_on[CALL_LEN], abort_on[CALL_LEN], hang_on[CALL_LEN], leak_on[CALL_LEN];
	unsigned long leak_bytes;
} faults;

/* The control file as last read: nothing read when !control_read. */
static char control_path[MAX_PATH];
static BY_HANDLE_FILE_INFORMATION control_info;
static int control_read;

/* A null pointer the compiler cannot see through, so that the write
 * through it is a real access violation rather than a trap instruction. */
static volatile int *volatile nowhere;

/* The blocks leaked on purpose, each pointing at the one before. */
static void *volatile leaked;

static char *trim(char *s)
{
	char *e;
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

static void parse_control(char *text)
{
	char *line, *next;
	memset(&faults, 0, sizeof faults);
	faults.leak_bytes = 1 << 20;
	for (line = text; line != NULL; line = next) {
		char *eq, *key, *val;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if ((eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		key = trim(line);
		val = trim(eq + 1);
		if (strlen(val) >= CALL_LEN)
			continue;
		if (strcmp(key, "crash_on") == 0)
			strcpy(faults.crash_on, val);
		else if (strcmp(key, "abort_on") == 0)
			strcpy(faults.abort_on, val);
		else if (strcmp(key, "hang_on") == 0)
			strcpy(faults.hang_on, val);
		else if (strcmp(key, "leak_on") == 0)
			strcpy(faults.leak_on, val);
		else if (strcmp(key, "leak_bytes") == 0)
			faults.leak_bytes = strtoul(val, NULL, 10);
	}
}

/* read_control reads the control file again when it is another file, or
 * the same one changed, since it was last read. */
static void read_control(void)
{
	char path[MAX_PATH], text[4096];
	BY_HANDLE_FILE_INFORMATION info;
	DWORD got;
	HANDLE h;
	if (!env("ZAVERA_GOSTP11_CONTROL", path, sizeof path)) {
		memset(&faults, 0, sizeof faults);
		control_read = 0;
		return;
	}
	h = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
			OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
	if (h == INVALID_HANDLE_VALUE) {
		memset(&faults, 0, sizeof faults);
		control_read = 0;
		return;
	}
	if (GetFileInformationByHandle(h, &info) && control_read && strcmp(path, control_path) == 0 &&
	    info.nFileSizeLow == control_info.nFileSizeLow && info.nFileIndexLow == control_info.nFileIndexLow &&
	    info.nFileIndexHigh == control_info.nFileIndexHigh &&
	    CompareFileTime(&info.ftLastWriteTime, &control_info.ftLastWriteTime) == 0) {
		CloseHandle(h);
		return;
	}
	if (ReadFile(h, text, sizeof text - 1, &got, NULL)) {
		text[got] = '\0';
		parse_control(text);
		strcpy(control_path, path);
		control_info = info;
		control_read = 1;
	}
	CloseHandle(h);
}

/* fault does to the call named call what the control file says. */
static void fault(const char *call)
{
	read_control();
	if (strcmp(faults.crash_on, call) == 0)
		*nowhere = 1;
	if (strcmp(faults.abort_on, call) == 0)
		abort();
	if (strcmp(faults.hang_on, call) == 0)
		for (;;)
			Sleep(INFINITE);
	if (strcmp(faults.leak_on, call) == 0 && faults.leak_bytes >= sizeof(void *)) {
		void **p = malloc(faults.leak_bytes);
		if (p != NULL) {
			/* Touched, and chained from a global so the compiler keeps it. */
			memset(p, 0x5a, faults.leak_bytes);
			*p = leaked;
			leaked = p;
		}
	}
}
#else
static void fault(const char *call)
{
	(void)call;
}
#endif

static void add(struct object *o, CK_ATTRIBUTE_TYPE type, const void *value, CK_ULONG len)
{
	o->attrs[o->n].type = type;
	o->attrs[o->n].value = value;
	o->attrs[o->n].len = len;
	o->n++;
}

static CK_RV load(void)
{
	static char buf[16384];
	size_t n;
	if (!env("ZAVERA_GOSTP11_CURVE", curve, sizeof curve))
		return CKR_GENERAL_ERROR;
	if (!env("ZAVERA_GOSTP11_D", buf, sizeof buf) || !unhex(buf, d, sizeof d, &n) || n != SIZE)
		return CKR_GENERAL_ERROR;
	if (!env("ZAVERA_GOSTP11_PUB", buf, sizeof buf) || !unhex(buf, pub, sizeof pub, &n) || n != 2 * SIZE)
		return CKR_GENERAL_ERROR;
	if (!env("ZAVERA_GOSTP11_CERT", buf, sizeof buf))
		return CKR_GENERAL_ERROR;
	free(cert);
	cert = malloc(strlen(buf) / 2 + 1);
	if (cert == NULL || !unhex(buf, cert, strlen(buf) / 2, &cert_len))
		return CKR_GENERAL_ERROR;

	memset(objects, 0, sizeof objects);
	add(&objects[0], CKA_CLASS, &cls_cert, sizeof cls_cert);
	add(&objects[0], CKA_CERTIFICATE_TYPE, &x509, sizeof x509);
	add(&objects[0], CKA_VALUE, cert, cert_len);
	add(&objects[0], CKA_ID, id, sizeof id);
	add(&objects[0], CKA_LABEL, label, strlen(label));
	add(&objects[1], CKA_CLASS, &cls_pub, sizeof cls_pub);
	add(&objects[1], CKA_KEY_TYPE, &ktype, sizeof ktype);
	add(&objects[1], CKA_VALUE, pub, sizeof pub);
	add(&objects[1], CKA_ID, id, sizeof id);
	add(&objects[1], CKA_LABEL, label, strlen(label));
	add(&objects[2], CKA_CLASS, &cls_priv, sizeof cls_priv);
	add(&objects[2], CKA_KEY_TYPE, &ktype, sizeof ktype);
	add(&objects[2], CKA_ID, id, sizeof id);
	add(&objects[2], CKA_LABEL, label, strlen(label));
	add(&objects[2], CKA_SIGN, &yes, sizeof yes);
	add(&objects[2], CKA_PRIVATE, &yes, sizeof yes);
	add(&objects[2], CKA_ALWAYS_AUTHENTICATE, &no, sizeof no);
	return CKR_OK;
}

static CK_RV Initialize(void *args)
{
	CK_RV rv;
	(void)args;
	if (initialised)
		return CKR_CRYPTOKI_ALREADY_INITIALIZED;
	if (!gcry_check_version("1.9.0"))
		return CKR_GENERAL_ERROR;
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	/* The random pool's first gathering (libgcrypt's slow poll of the
	 * system's counters) can take seconds on a busy machine: it is done
	 * here, as a real driver's slow start is, and not in the first
	 * C_Sign, whose deadline the isolation tests keep short. */
	{
		unsigned char b;
		gcry_randomize(&b, 1, GCRY_STRONG_RANDOM);
	}
	if ((rv = load()) != CKR_OK)
		return rv;
	memset(sessions, 0, sizeof sessions);
	logged_in = 0;
	initialised = 1;
	return CKR_OK;
}

static CK_RV Finalize(void *reserved)
{
	(void)reserved;
	if (!initialised)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	initialised = 0;
	return CKR_OK;
}

static CK_RV GetInfo(CK_INFO *info)
{
	fault("C_GetInfo");
	if (!initialised)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	memset(info, 0, sizeof *info);
	info->cryptokiVersion.major = 2;
	info->cryptokiVersion.minor = 40;
	pad(info->manufacturerID, sizeof info->manufacturerID, "Zavera tests");
	pad(info->libraryDescription, sizeof info->libraryDescription, "Zavera GOST Windows module");
	info->libraryVersion.major = 1;
	return CKR_OK;
}

static CK_RV GetSlotList(CK_BBOOL present, CK_SLOT_ID *list, CK_ULONG *count)
{
	(void)present;
	fault("C_GetSlotList");
	if (!initialised)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (list != NULL) {
		if (*count < 1) {
			*count = 1;
			return CKR_BUFFER_TOO_SMALL;
		}
		list[0] = SLOT;
	}
	*count = 1;
	return CKR_OK;
}

static CK_RV GetSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO *info)
{
	fault("C_GetSlotInfo");
	if (!initialised)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (slot != SLOT)
		return CKR_SLOT_ID_INVALID;
	memset(info, 0, sizeof *info);
	pad(info->slotDescription, sizeof info->slotDescription, "Zavera GOST slot");
	pad(info->manufacturerID, sizeof info->manufacturerID, "Zavera tests");
	info->flags = CKF_TOKEN_PRESENT | CKF_REMOVABLE_DEVICE;
	return CKR_OK;
}

static CK_RV GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO *info)
{
	fault("C_GetTokenInfo");
	if (!initialised)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (slot != SLOT)
		return CKR_SLOT_ID_INVALID;
	memset(info, 0, sizeof *info);
	pad(info->label, sizeof info->label, "Zavera GOST Windows token");
	pad(info->manufacturerID, sizeof info->manufacturerID, "Zavera tests");
	pad(info->model, sizeof info->model, "gostp11");
	pad(info->serialNumber, sizeof info->serialNumber, "WINGOST1");
	info->flags = CKF_TOKEN_INITIALIZED | CKF_USER_PIN_INITIALIZED | CKF_LOGIN_REQUIRED;
	info->ulMaxSessionCount = NSESSIONS;
	info->ulMaxRwSessionCount = NSESSIONS;
	info->ulMaxPinLen = 32;
	info->ulMinPinLen = 4;
	info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
	return CKR_OK;
}

static CK_RV GetMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE *list, CK_ULONG *count)
{
	fault("C_GetMechanismList");
	if (!initialised)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (slot != SLOT)
		return CKR_SLOT_ID_INVALID;
	if (list != NULL) {
		if (*count < 1) {
			*count = 1;
			return CKR_BUFFER_TOO_SMALL;
		}
		list[0] = CKM_GOST;
	}
	*count = 1;
	return CKR_OK;
}

static struct session *session(CK_SESSION_HANDLE h)
{
	if (h < 1 || h > NSESSIONS || !sessions[h - 1].open)
		return NULL;
	return &sessions[h - 1];
}

static CK_RV OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, void *app, CK_NOTIFY notify, CK_SESSION_HANDLE *h)
{
	int i;
	(void)app, (void)notify;
	fault("C_OpenSession");
	if (!initialised)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (slot != SLOT)
		return CKR_SLOT_ID_INVALID;
	if (!(flags & CKF_SERIAL_SESSION))
		return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
	for (i = 0; i < NSESSIONS; i++) {
		if (!sessions[i].open) {
			memset(&sessions[i], 0, sizeof sessions[i]);
			sessions[i].open = 1;
			*h = (CK_SESSION_HANDLE)(i + 1);
			return CKR_OK;
		}
	}
	return CKR_SESSION_COUNT;
}

static CK_RV CloseSession(CK_SESSION_HANDLE h)
{
	struct session *s;
	int i, open = 0;
	fault("C_CloseSession");
	if (!initialised)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if ((s = session(h)) == NULL)
		return CKR_SESSION_HANDLE_INVALID;
	s->open = 0;
	for (i = 0; i < NSESSIONS; i++)
		open |= sessions[i].open;
	if (!open)
		logged_in = 0;
	return CKR_OK;
}

static CK_RV GetSessionInfo(CK_SESSION_HANDLE h, CK_SESSION_INFO *info)
{
	fault("C_GetSessionInfo");
	if (!initialised)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (session(h) == NULL)
		return CKR_SESSION_HANDLE_INVALID;
	memset(info, 0, sizeof *info);
	info->slotID = SLOT;
	info->state = logged_in ? CKS_RO_USER_FUNCTIONS : CKS_RO_PUBLIC_SESSION;
	info->flags = CKF_SERIAL_SESSION;
	return CKR_OK;
}

static CK_RV Login(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR *pin, CK_ULONG len)
{
	fault("C_Login");
	if (!initialised)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (session(h) == NULL)
		return CKR_SESSION_HANDLE_INVALID;
	if (user != CKU_USER)
		return CKR_USER_TYPE_INVALID;
	if (logged_in)
		return CKR_USER_ALREADY_LOGGED_IN;
	if (pin == NULL || len != 4 || memcmp(pin, "1234", 4) != 0)
		return CKR_PIN_INCORRECT;
	logged_in = 1;
	return CKR_OK;
}

static CK_RV Logout(CK_SESSION_HANDLE h)
{
	fault("C_Logout");
	if (!initialised)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (session(h) == NULL)
		return CKR_SESSION_HANDLE_INVALID;
	if (!logged_in)
		return CKR_USER_NOT_LOGGED_IN;
	logged_in = 0;
	return CKR_OK;
}

static const struct attr *find_attr(const struct object *o, CK_ATTRIBUTE_TYPE type)
{
	int i;
	for (i = 0; i < o->n; i++)
		if (o->attrs[i].type == type)
			return &o->attrs[i];
	return NULL;
}

static CK_RV FindObjectsInit(CK_SESSION_HANDLE h, CK_ATTRIBUTE *tmpl, CK_ULONG n)
{
	struct session *s;
	CK_ULONG i, j;
	fault("C_FindObjectsInit");
	if (!initialised)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if ((s = session(h)) == NULL)
		return CKR_SESSION_HANDLE_INVALID;
	if (s->finding)
		return CKR_OPERATION_ACTIVE;
	s->nfound = s->pos = 0;
	for (i = 0; i < NOBJECTS; i++) {
		int match = 1;
		for (j = 0; j < n && match; j++) {
			const struct attr *a = find_attr(&objects[i], tmpl[j].type);
			match = a != NULL && a->len == tmpl[j].ulValueLen && memcmp(a->value, tmpl[j].pValue, a->len) == 0;
		}
		if (match)
			s->found[s->nfound++] = i + 1;
	}
	s->finding = 1;
	return CKR_OK;
}

static CK_RV FindObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE *objs, CK_ULONG max, CK_ULONG *count)
{
	struct session *s;
	fault("C_FindObjects");
	if (!initialised)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if ((s = session(h)) == NULL)
		return CKR_SESSION_HANDLE_INVALID;
	if (!s->finding)
		return CKR_OPERATION_NOT_INITIALIZED;
	*count = 0;
	while (*count < max && s->pos < s->nfound)
		objs[(*count)++] = s->found[s->pos++];
	return CKR_OK;
}

static CK_RV FindObjectsFinal(CK_SESSION_HANDLE h)
{
	struct session *s;
	fault("C_FindObjectsFinal");
	if (!initialised)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if ((s = session(h)) == NULL)
		return CKR_SESSION_HANDLE_INVALID;
	if (!s->finding)
		return CKR_OPERATION_NOT_INITIALIZED;
	s->finding = 0;
	return CKR_OK;
}

static CK_RV GetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE *tmpl, CK_ULONG n)
{
	CK_RV rv = CKR_OK;
	CK_ULONG i;
	fault("C_GetAttributeValue");
	if (!initialised)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (session(h) == NULL)
		return CKR_SESSION_HANDLE_INVALID;
	if (o < 1 || o > NOBJECTS)
		return CKR_OBJECT_HANDLE_INVALID;
	for (i = 0; i < n; i++) {
		const struct attr *a = find_attr(&objects[o - 1], tmpl[i].type);
		if (a == NULL) {
			tmpl[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			rv = CKR_ATTRIBUTE_TYPE_INVALID;
		} else if (tmpl[i].pValue == NULL) {
			tmpl[i].ulValueLen = a->len;
		} else if (tmpl[i].ulValueLen < a->len) {
			tmpl[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			rv = CKR_BUFFER_TOO_SMALL;
		} else {
			memcpy(tmpl[i].pValue, a->value, a->len);
			tmpl[i].ulValueLen = a->len;
		}
	}
	return rv;
}

static CK_RV SignInit(CK_SESSION_HANDLE h, CK_MECHANISM *mech, CK_OBJECT_HANDLE key)
{
	struct session *s;
	fault("C_SignInit");
	if (!initialised)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if ((s = session(h)) == NULL)
		return CKR_SESSION_HANDLE_INVALID;
	if (s->signing)
		return CKR_OPERATION_ACTIVE;
	if (mech == NULL || mech->mechanism != CKM_GOST)
		return CKR_MECHANISM_INVALID;
	if (key != 3)
		return CKR_KEY_HANDLE_INVALID;
	if (!logged_in)
		return CKR_USER_NOT_LOGGED_IN;
	s->signing = 1;
	return CKR_OK;
}

/* put writes the MPI named name of the S-expression sexp as SIZE big-endian bytes. */
static int put(gcry_sexp_t sexp, const char *name, unsigned char *out)
{
	gcry_sexp_t part = gcry_sexp_find_token(sexp, name, 0);
	gcry_mpi_t m;
	size_t n;
	int ok;
	if (part == NULL)
		return 0;
	m = gcry_sexp_nth_mpi(part, 1, GCRYMPI_FMT_USG);
	gcry_sexp_release(part);
	if (m == NULL)
		return 0;
	ok = gcry_mpi_print(GCRYMPI_FMT_USG, NULL, 0, &n, m) == 0 && n <= SIZE;
	if (ok) {
		memset(out, 0, SIZE);
		ok = gcry_mpi_print(GCRYMPI_FMT_USG, out + SIZE - n, n, &n, m) == 0;
	}
	gcry_mpi_release(m);
	return ok;
}

static CK_RV Sign(CK_SESSION_HANDLE h, CK_BYTE *data, CK_ULONG len, CK_BYTE *sig, CK_ULONG *siglen)
{
	struct session *s;
	unsigned char e[SIZE];
	gcry_sexp_t key = NULL, in = NULL, out = NULL;
	CK_RV rv = CKR_FUNCTION_FAILED;
	int i;
	fault("C_Sign");
	if (!initialised)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if ((s = session(h)) == NULL)
		return CKR_SESSION_HANDLE_INVALID;
	if (!s->signing)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (sig == NULL) {
		*siglen = 2 * SIZE;
		return CKR_OK;
	}
	if (*siglen < 2 * SIZE) {
		*siglen = 2 * SIZE;
		return CKR_BUFFER_TOO_SMALL;
	}
	s->signing = 0;
	if (len != SIZE)
		return CKR_DATA_LEN_RANGE;
	for (i = 0; i < SIZE; i++)
		e[i] = data[SIZE - 1 - i];
	if (gcry_sexp_build(&key, NULL, "(private-key (ecc (curve %s) (d %b)))", curve, SIZE, d) == 0 &&
	    gcry_sexp_build(&in, NULL, "(data (flags gost) (value %b))", SIZE, e) == 0 &&
	    gcry_pk_sign(&out, in, key) == 0 &&
	    put(out, "s", sig) && put(out, "r", sig + SIZE)) {
		*siglen = 2 * SIZE;
		rv = CKR_OK;
	}
	gcry_sexp_release(key);
	gcry_sexp_release(in);
	gcry_sexp_release(out);
	return rv;
}

static CK_RV WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID *slot, void *reserved)
{
	(void)flags, (void)slot, (void)reserved;
	return CKR_FUNCTION_NOT_SUPPORTED;
}

static CK_FUNCTION_LIST functions = {
	.version = {2, 40},
	.C_Initialize = Initialize,
	.C_Finalize = Finalize,
	.C_GetInfo = GetInfo,
	.C_GetSlotList = GetSlotList,
	.C_GetSlotInfo = GetSlotInfo,
	.C_GetTokenInfo = GetTokenInfo,
	.C_GetMechanismList = GetMechanismList,
	.C_OpenSession = OpenSession,
	.C_CloseSession = CloseSession,
	.C_GetSessionInfo = GetSessionInfo,
	.C_Login = Login,
	.C_Logout = Logout,
	.C_GetAttributeValue = GetAttributeValue,
	.C_FindObjectsInit = FindObjectsInit,
	.C_FindObjects = FindObjects,
	.C_FindObjectsFinal = FindObjectsFinal,
	.C_SignInit = SignInit,
	.C_Sign = Sign,
	.C_WaitForSlotEvent = WaitForSlotEvent,
};

CK_RV __declspec(dllexport) C_GetFunctionList(CK_FUNCTION_LIST **list)
{
	if (list == NULL)
		return CKR_ARGUMENTS_BAD;
	*list = &functions;
	return CKR_OK;
}
