// Package pkcs11 is the only place where Zavera talks PKCS#11: module
// discovery, slots, tokens, certificates, keys as signers, PIN state,
// sessions and token events. Every cgo call to a PKCS#11 module stays
// inside this package (through github.com/miekg/pkcs11), and every CKR_*
// code is mapped to a typed error in one place, errors.go.
//
// # Modules
//
// Open loads the modules named in Options.Modules, those listed in the
// ZAVERA_PKCS11_MODULES environment variable, and every well-known module
// found in the usual folders (Rutoken rtpkcs11ecp, JaCarta jcPKCS11-2,
// SafeNet eToken eTPKCS11, ESMART isbc_pkcs11_main, OpenSC opensc-pkcs11,
// SoftHSM softhsm2, the GOST test token gosttoken). Each module is loaded
// and initialised on its own: one that fails is listed by Modules with the
// reason and does not stop the others. A module is initialised once per
// process and shared by every Manager, which finalises it when the last
// one closes.
//
// On Windows the well-known places are the program's own folder, the
// vendors' folders under %ProgramFiles%, System32, and the module paths
// that installers record in the registry (registry.go lists the keys).
// miekg/pkcs11 loads with LoadLibraryA, which reads its bytes in the
// system code page, so a path with Cyrillic letters would not load: the
// package first loads every module itself with LoadLibraryExW (UTF-16,
// LOAD_WITH_ALTERED_SEARCH_PATH so the DLLs it needs are found beside
// it), keeps it loaded for the life of the process, and hands miekg a
// name that reaches the same file (load_windows.go explains which). A
// module Windows refuses as ERROR_BAD_EXE_FORMAT whose PE header names
// another machine gives an *ArchitectureError (ErrModuleArchitecture):
// "32-bit (x86) module in a 64-bit (x64) program", with Windows' text.
//
// # Module isolation
//
// With Options.Isolate, which the zavera agent uses unless told
// otherwise, no module is loaded into the calling process: each module
// runs in a host process of its own (by default this program started as
// `zavera __pkcs11-host MODULE`; HostCommand), which loads it, serves the
// package's narrow backend interface (backend.go) over the child's
// standard input and output, and ends when its input closes. The pipes
// are made by the parent and inherited by the child alone: no other
// process or user can open them. ServeHost is the host's loop;
// ServeHostStdio moves standard output out of the module's reach first
// (a module printing to it would corrupt the channel) and keeps core
// files from being written. Every cgo call stays in this package, in
// the host.
//
// The protocol (hostwire.go) is a frame per message: a u32 length, a u32
// request id, the call (or, in a reply, the status) and the arguments,
// numbers as u64 and byte strings with a u32 length, all big endian. One
// goroutine of the host reads at a time and runs the call it read; a call
// still running after 200 µs hands the reading on to a new goroutine, so
// the calls of different sessions, the token's extra signing sessions
// among them, run in parallel as in process, while a quick call costs no
// hand-over between threads. Replies come in any order and are matched
// by id; C_SignInit and C_Sign travel as one request. Session handles are the parent's own numbers, mapped to the
// current host's. The PIN crosses the channel only inside the Login
// request, and both sides wipe their buffer of it once C_Login returned;
// a private key written by Manager.ImportKey crosses it only inside a
// CreateObject request, wiped the same way on both sides (the host wipes
// its decoded copy of the template too).
//
// What the host costs (`make bench-isolation`, internal/isolationbench:
// one signature after the other on one connection, through the host
// against in process on the same key, 2 cores): 0.88–0.92× on a SoftHSM
// ECDSA P-256 key (15,300–15,700 against 17,100 signatures/s, about 6 µs
// added per signature) and 0.88–0.91× on the GOST test token (18,200–
// 18,800 against 20,600) with the machine otherwise idle; 0.6–0.8× while
// another program keeps a core busy, as the host and the agent then
// share one. A real token's 100–300 ms per signature hides it. Most of what is left is the two pipe transfers. A
// thread asleep on the pipe costs more than that to wake (40 µs and more
// on a virtual machine whose processor went idle), so the call waiting
// for a reply polls the pipe for up to 250 µs before it sleeps (Linux:
// non-blocking reads; Windows: PeekNamedPipe), as long as the previous
// call of its kind was answered within that time, and the host polls for
// the next request as long after each reply (hostspin.go): a real
// token's signature never polls after the first, and a quick call polls
// no longer than it takes.
//
// # Writing a key onto a token
//
// Manager.ImportKey (import.go) writes a software GOST key and its
// certificate onto a token as token objects: CKO_PRIVATE_KEY (sensitive,
// not extractable, CKA_SIGN), CKO_PUBLIC_KEY and CKO_CERTIFICATE, with one
// CKA_ID (SHA-1 of the public key's CKA_VALUE) and label. It opens a
// read-write session of its own, logs in through the PINFunc unless the
// token is logged in already, refuses with ErrNoGOSTKeys before any login
// when the token lists no GOST signature mechanism for the key's size, with
// ErrKeyOnToken when a private key with that CKA_ID is there, and destroys
// what it wrote when a later object is refused. Only `zavera keys move`
// and the main window's move action call it, after the user confirmed.
//
// Threading and ownership: the hostBackend of a module owns its host
// process (started on the first call and after each failure, killed by
// Destroy) and is safe for concurrent use; the replies are read by the
// calls waiting for them, one at a time: the reading call reads until its
// own reply comes, passing the others theirs, then hands reading on (a
// lone call so takes its reply without a hand-over between goroutines);
// one goroutine passes the host's standard error on to ours and notices
// the host's end when no call reads, and each call
// waits in its own goroutine for its reply, the end of the host or its
// deadline (Isolation.CallTimeout; SlowCallTimeout for C_Login,
// C_SignInit and C_Sign, which wait on slow tokens and PIN pads; none for
// a blocking C_WaitForSlotEvent); one timer per host watches the
// deadlines of all its calls in flight, armed for the earliest. Both
// sides read the channel through a buffer (hostframes.go), one read per
// arrival rather than two per frame, and zero the bytes of each frame
// once copied out, so that a PIN or a key is not left there. When the host crashes, aborts or passes
// a deadline it is killed, the calls in flight fail with a *ModuleFailure
// (ErrModuleFailed) naming the call and the reason (the fatal signal, on
// Windows the exception, or "no answer within ..."), Isolation.OnFailure
// is told, and the next call
// starts a new host and initialises the module in it: the first restart
// at once, further ones after a back-off doubling from 0.5 s up to
// Isolation.MaxBackoff, calls in between failing with ErrModuleFailed at
// once. The tokens' sessions and logins die with the host: the next
// operation opens a new session, and the next signature asks for the PIN
// again. Other modules, in hosts of their own, are not touched. Between
// calls, at most once per Isolation.CheckInterval, the host's resident
// memory and open descriptors are compared with
// Isolation.MaxRSS and MaxHandles (read from /proc on Linux, and as the
// working set and handle count from kernel32 on Windows; elsewhere they
// are not checked); a host past a limit is restarted the same way.
// Manager.Health gives each module's host, restarts and last failure. A
// host whose process cannot be created is tried once more 0.1 s later
// (creating a process can fail for a moment: a virus scanner holding the
// program, Wine's loader) before the call fails with ErrModuleFailed.
//
// Isolation keeps a crashing, hanging or leaking driver from taking the
// program down; it is no sandbox: the host runs as the same user with
// the same rights.
//
// # Tokens, certificates and keys
//
// Tokens lists every slot with a token and the token's PIN state.
// Certificates reads the certificates of every token without logging in,
// pairs each with its private key by CKA_ID (or by public key where IDs
// are missing or shared), and names each with a stable identifier (Certificate.ID)
// that pages can pass back. Signer returns a *Key for an identifier: a
// crypto.Signer (and crypto.MessageSigner) for the CAdES builder. GOST
// keys sign the host-computed Streebog hash with CKM_GOSTR3410 /
// CKM_GOSTR3410_512 and return BE(s) || BE(r); ECDSA keys use CKM_ECDSA and
// return ASN.1; RSA keys use CKM_RSA_PKCS over a DigestInfo.
//
// # Vendors' drivers
//
// Drivers differ from one another where PKCS#11 leaves room, and the
// package copes with each (the GOST test token reproduces them, see
// testtoken/doc.go; Manager.Quirks tells what was learnt about a token,
// Manager.Inspect looks for it, for `zavera doctor`):
//
//   - Only the combined mechanisms CKM_GOSTR3410_WITH_GOSTR3411_12_256 /
//     _512: SignMessage sends the whole DER of the signed attributes and
//     the token hashes; Sign (a digest) fails with
//     ErrMechanismNotSupported on such a token.
//   - Only the GOST mechanisms PKCS#11 itself defines, none of the TC26
//     vendor range (GOST.md lists that set): 2012-256 keys sign with
//     CKM_GOSTR3410 as usual; 512-bit keys fail with
//     ErrMechanismNotSupported, saying why. Tokens with the TC26 set
//     alone are the common case.
//   - Certificates that are private objects: listed without a login the
//     token shows none, and Token.CertificatesAfterLogin says "log in to
//     see the certificates". Certificates never logs in by itself;
//     Manager.Login does, asked by the user (the window, or
//     `zavera certs --login`), and the next listing shows them. A page
//     cannot cause that login.
//   - Several key pairs with one CKA_ID (and even one label): the private
//     key is taken by ID only when one key has it; otherwise through the
//     public key object that holds the certificate's key, and where that
//     leaves several, by a trial signature with each (a random message,
//     verified with the certificate's key), once per session.
//   - A login held by another program (drivers that keep it across
//     programs): before asking for the PIN, C_GetSessionInfo is asked;
//     a session already in a user state needs no PIN. C_Login answering
//     CKR_USER_ALREADY_LOGGED_IN counts as success.
//   - A PIN pad (CKF_PROTECTED_AUTHENTICATION_PATH): C_Login with a NULL
//     PIN; the callback is never called, the user types on the reader.
//   - Session handles that die with removal and re-insertion: the next
//     operation opens a new session (see Sessions below); nothing has to
//     be restarted.
//   - No C_WaitForSlotEvent (CKR_FUNCTION_NOT_SUPPORTED): tokens are
//     seen coming and going by polling every Options.PollInterval.
//   - Slow enumeration (C_GetSlotList, C_FindObjects): listing holds no
//     lock that a signature on another token needs, and in a module host
//     every call has its deadline.
//
// # Sessions and threading
//
// All methods are safe for concurrent use. Each token has one session and
// one mutex: every call on a token (listing, login, signing) runs with
// the mutex held, so a PKCS#11 session is never used by two goroutines at
// once. Different tokens work in parallel. Once the token is logged in
// and a key's handle is known, that key's signatures run in up to two
// extra sessions of the token without the mutex (C_SignInit and C_Sign
// only), so that signatures of one token can run side by side; each extra
// session is used by one signature at a time, and Close waits for them.
// Anything else (a login, a lost login, a removed token) goes the
// ordinary way. Key.WithoutLogin gives a key that fails with
// ErrPINRequired instead of logging in, for callers that bind the PIN
// prompt to one request at a time. The login is kept until
// Manager.Logout or LogoutAll, token removal, Options.IdleTimeout or
// Close. (Options.IdleTimeout counts any operation, listings included;
// the agent's idle logout, which counts signing requests only, is in
// package agent/p11source.) Manager.LoginState asks the module whether a
// token is logged in. When the
// token is pulled out, the current operation fails with ErrTokenRemoved
// and the state is dropped; after it is put back the next operation opens
// a new session, logs in again and finds the key again: nothing has to be
// restarted.
//
// # PIN
//
// The PIN comes from the PINFunc given to Signer, called only when the
// token needs a login (and again for keys with CKA_ALWAYS_AUTHENTICATE,
// before each signature). The slice it returns is passed to C_Login
// without a Go string copy and wiped right after; the PIN is never
// stored, logged or put into an error. Tokens with a PIN pad (protected
// authentication path) log in without asking the callback.
//
// # Events
//
// Events delivers token inserted, token removed and certificates changed
// on a channel. Modules that implement C_WaitForSlotEvent wake the
// watcher as soon as a token comes or goes (one thread per module waits
// in the call; C_Finalize releases it); every module is also looked at on
// a timer (Options.PollInterval), which is how certificate changes and
// modules without slot events are seen. The watcher sleeps in between:
// there is no busy loop.
//
// # Errors
//
// Failures wrap one of the sentinel errors (ErrPINIncorrect,
// ErrPINLocked, ErrTokenRemoved, ErrCancelled, ErrDeviceError,
// ErrKeyNotFound, ErrCertificateNotFound, ErrMechanismNotSupported,
// ErrModuleLoad, ErrModuleFailed, ...) and carry an *Error with the CKR_* code; a wrong PIN
// is also a *PINError with the tries left when the token tells. Match them
// with errors.Is and errors.As, never by text.
package pkcs11
