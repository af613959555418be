// Package testtoken holds the Zavera GOST test token: a PKCS#11 v2.40
// module written in C that signs with GOST R 34.10-2012 through OpenSSL's
// GOST engine, so that Zavera's PKCS#11 path can be tested end to end and
// `make run` has a token to sign with. `make testtoken` builds it to
// build/libgosttoken.so. The Go files here test it, help other packages'
// tests set it up and provision demo tokens; the module itself does not
// use Zavera's gost package, so it is an independent reference.
//
// # Storage
//
// The module keeps its tokens in the directory named by GOSTTOKEN_DIR
// (else $HOME/.gosttoken): gosttoken.conf names the slots ("slot NAME"
// lines) and PIN retry limits ("user_pin_tries N", "so_pin_tries N");
// NAME.token holds the state of each token and survives restarts;
// "control" sets faults. The state is read by C_Initialize, and again
// when another process changed a token on which this one has no session
// open.
//
// # Faults
//
// The control file is checked on every call and parsed again when it
// changes, so a running test flips faults by rewriting it. Lines are
// "KEY = VALUE" for every slot or "SLOT.KEY = VALUE" for one:
//
//	present = 0|1          pull the token out (sessions: CKR_DEVICE_REMOVED,
//	                       then CKR_SESSION_HANDLE_INVALID after reinsertion)
//	sign_delay_ms = N      every signature takes N ms more
//	fail_sign = N          the Nth signature after this change fails with
//	                       CKR_DEVICE_ERROR
//	pinpad = none|confirm|cancel|wrong
//	                       a PIN pad: C_Login with no PIN succeeds, is
//	                       cancelled or counts as a wrong PIN
//	pinpad_delay_ms = N    the time the user spends at the PIN pad
//	replug = N             each new value pulls the token out and puts it
//	                       back between two calls (sessions gone, one event)
//
// Insertion and removal are slot events for C_WaitForSlotEvent.
//
// # Vendors' behaviour
//
// Further keys make the token behave as some vendors' drivers do, per
// slot:
//
//	mechanisms = all|combined|standard|vendor
//	                       combined: only CKM_GOSTR3410_WITH_GOSTR3411_12_256
//	                       and _512 sign (the token hashes); the raw
//	                       CKM_GOSTR3410 / _512 are neither listed nor
//	                       accepted (CKR_MECHANISM_INVALID). standard: only
//	                       the mechanisms PKCS#11 itself defines
//	                       (CKM_GOSTR3410_KEY_PAIR_GEN, CKM_GOSTR3410), none
//	                       of the TC26 vendor range: 2012-256 keys sign with
//	                       the raw mechanism, 512-bit keys cannot sign.
//	                       vendor: only the TC26 vendor range, none of the
//	                       mechanisms PKCS#11 itself defines: 2012-256 keys
//	                       sign only through the combined mechanism, 512-bit
//	                       keys with the raw _512 or the combined one. The
//	                       default, all, is the TC26 set of /GOST.md.
//	certificates = public|after_login
//	                       after_login: certificates are found only in a
//	                       session with a user login
//	login_shared = 0|1     the token is logged in by another program: sessions
//	                       start in a user state, C_Login answers
//	                       CKR_USER_ALREADY_LOGGED_IN, closing this process's
//	                       sessions keeps the login (C_Logout ends it), and
//	                       it is back after re-insertion
//
// and for the whole module:
//
//	slot_events = 0|1      0: C_WaitForSlotEvent answers
//	                       CKR_FUNCTION_NOT_SUPPORTED
//	list_delay_ms = N      C_GetSlotList and C_FindObjects take N ms more
//	                       each (slow enumeration), without the module lock
//
// A PIN pad is "pinpad" above; session handles invalidated by removal and
// re-insertion are "present" and "replug". Several key pairs sharing a
// CKA_ID need no key: provision them with the same ID (and label).
//
// Four faults take the whole module (and the process that loaded it)
// down, for the tests of module isolation; they take no slot prefix, and
// CALL is a PKCS#11 function name such as C_Sign or C_Login:
//
//	crash_on = CALL        the call dereferences a NULL pointer (SIGSEGV)
//	abort_on = CALL        the call calls abort() (SIGABRT)
//	hang_on = CALL         the call never returns
//	leak_per_call = BYTES  every call allocates BYTES (at most 64 MiB),
//	                       writes them and never frees them
//
// The calls that know them are C_GetInfo, C_GetSlotList, C_GetSlotInfo,
// C_GetTokenInfo, C_GetMechanismList, C_OpenSession, C_CloseSession,
// C_GetSessionInfo, C_Login, C_Logout, C_FindObjectsInit, C_FindObjects,
// C_FindObjectsFinal, C_GetAttributeValue, C_SignInit and C_Sign.
//
// # For tests and the demo
//
// ModulePath, NewStorage and SetControl set the module up for another
// package's tests. SubjectPublicKeyInfo and PublicKeyPEM turn a token's
// CKA_GOSTR3410_PARAMS and CKA_VALUE into a key OpenSSL reads. The
// gosttoken-demo command (cmd/gosttoken-demo, or `make demo-tokens`) and
// ProvisionDemo provision the demo identity: a demo CA and the tokens of a
// fictitious company's leader and accountant, with registration numbers
// whose check digits CompleteINN10, CompleteINN12, CompleteOGRN and
// CompleteSNILS compute and ValidINN, ValidOGRN and ValidSNILS check.
//
// # Threading
//
// The module is thread-safe: it honours CKF_OS_LOCKING_OK (pthread
// mutexes) and the application's mutex callbacks. One lock guards all
// state; the signature delay and the signature itself run outside it.
package testtoken
