/*
 * A minimal PKCS#11 module for Windows, for the tests that run under Wine
 * (`make test-windows`, .ci/wine-test builds it with mingw for x64 and,
 * when i686-w64-mingw32-gcc is there, for 32-bit x86).
 *
 * It has one slot with one initialised token and no objects, and it signs
 * nothing: it is what the package's Windows tests need to prove that a
 * module is loaded (from a folder with Cyrillic letters, beside the
 * program, from a vendor's registry key) and to see the error for a module
 * of the wrong architecture. Functions the package never calls are left
 * out of the function list.
 */
#define CRYPTOKI_EXPORTS
#include <string.h>
#include <p11-kit/pkcs11.h>

#define SLOT 1

static int initialised;

static void pad(CK_UTF8CHAR *dst, size_t n, const char *s)
{
	size_t len = strlen(s);
	memset(dst, ' ', n);
	memcpy(dst, s, len < n ? len : n);
}

static CK_RV Initialize(void *args)
{
	(void)args;
	if (initialised)
		return CKR_CRYPTOKI_ALREADY_INITIALIZED;
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
	if (!initialised)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	memset(info, 0, sizeof *info);
	info->cryptokiVersion.major = 2;
	info->cryptokiVersion.minor = 40;
	pad(info->manufacturerID, sizeof info->manufacturerID, "Zavera tests");
	pad(info->libraryDescription, sizeof info->libraryDescription, "Zavera minimal Windows module");
	info->libraryVersion.major = 1;
	return CKR_OK;
}

static CK_RV GetSlotList(CK_BBOOL present, CK_SLOT_ID *list, CK_ULONG *count)
{
	(void)present;
	if (!initialised)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (list == NULL) {
		*count = 1;
		return CKR_OK;
	}
	if (*count < 1) {
		*count = 1;
		return CKR_BUFFER_TOO_SMALL;
	}
	list[0] = SLOT;
	*count = 1;
	return CKR_OK;
}

static CK_RV GetSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO *info)
{
	if (!initialised)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (slot != SLOT)
		return CKR_SLOT_ID_INVALID;
	memset(info, 0, sizeof *info);
	pad(info->slotDescription, sizeof info->slotDescription, "Zavera test slot");
	pad(info->manufacturerID, sizeof info->manufacturerID, "Zavera tests");
	info->flags = CKF_TOKEN_PRESENT | CKF_REMOVABLE_DEVICE;
	return CKR_OK;
}

static CK_RV GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO *info)
{
	if (!initialised)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (slot != SLOT)
		return CKR_SLOT_ID_INVALID;
	memset(info, 0, sizeof *info);
	pad(info->label, sizeof info->label, "Zavera Windows test token");
	pad(info->manufacturerID, sizeof info->manufacturerID, "Zavera tests");
	pad(info->model, sizeof info->model, "minip11");
	pad(info->serialNumber, sizeof info->serialNumber, "WIN0001");
	info->flags = CKF_TOKEN_INITIALIZED | CKF_USER_PIN_INITIALIZED | CKF_LOGIN_REQUIRED;
	info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
	info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
	info->ulMaxPinLen = 32;
	info->ulMinPinLen = 4;
	info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
	info->hardwareVersion.major = 1;
	info->firmwareVersion.major = 1;
	return CKR_OK;
}

static CK_RV GetMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE *list, CK_ULONG *count)
{
	(void)list;
	if (!initialised)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (slot != SLOT)
		return CKR_SLOT_ID_INVALID;
	*count = 0;
	return CKR_OK;
}

/* One session at a time is enough for listing. */
static CK_RV OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, void *app, CK_NOTIFY notify, CK_SESSION_HANDLE *session)
{
	(void)flags, (void)app, (void)notify;
	if (!initialised)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (slot != SLOT)
		return CKR_SLOT_ID_INVALID;
	*session = 1;
	return CKR_OK;
}

static CK_RV CloseSession(CK_SESSION_HANDLE session)
{
	(void)session;
	return initialised ? CKR_OK : CKR_CRYPTOKI_NOT_INITIALIZED;
}

static CK_RV GetSessionInfo(CK_SESSION_HANDLE session, CK_SESSION_INFO *info)
{
	(void)session;
	if (!initialised)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	memset(info, 0, sizeof *info);
	info->slotID = SLOT;
	info->state = CKS_RO_PUBLIC_SESSION;
	info->flags = CKF_SERIAL_SESSION;
	return CKR_OK;
}

static CK_RV FindObjectsInit(CK_SESSION_HANDLE session, CK_ATTRIBUTE *tmpl, CK_ULONG n)
{
	(void)session, (void)tmpl, (void)n;
	return initialised ? CKR_OK : CKR_CRYPTOKI_NOT_INITIALIZED;
}

static CK_RV FindObjects(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE *objs, CK_ULONG max, CK_ULONG *count)
{
	(void)session, (void)objs, (void)max;
	*count = 0;
	return initialised ? CKR_OK : CKR_CRYPTOKI_NOT_INITIALIZED;
}

static CK_RV FindObjectsFinal(CK_SESSION_HANDLE session)
{
	(void)session;
	return initialised ? CKR_OK : CKR_CRYPTOKI_NOT_INITIALIZED;
}

static CK_RV Login(CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR *pin, CK_ULONG len)
{
	(void)session, (void)user, (void)pin, (void)len;
	return CKR_FUNCTION_NOT_SUPPORTED;
}

static CK_RV Logout(CK_SESSION_HANDLE session)
{
	(void)session;
	return CKR_USER_NOT_LOGGED_IN;
}

static CK_RV GetAttributeValue(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE *tmpl, CK_ULONG n)
{
	(void)session, (void)obj, (void)tmpl, (void)n;
	return CKR_OBJECT_HANDLE_INVALID;
}

static CK_RV SignInit(CK_SESSION_HANDLE session, CK_MECHANISM *mech, CK_OBJECT_HANDLE key)
{
	(void)session, (void)mech, (void)key;
	return CKR_KEY_HANDLE_INVALID;
}

static CK_RV Sign(CK_SESSION_HANDLE session, CK_BYTE *data, CK_ULONG len, CK_BYTE *sig, CK_ULONG *siglen)
{
	(void)session, (void)data, (void)len, (void)sig, (void)siglen;
	return CKR_OPERATION_NOT_INITIALIZED;
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
