// Package installer sets Zavera up on a desktop and takes it away again:
// the local TLS certificate and its CA in the trust stores, browser
// policies for the pre-approved portals, and start at login. The packages
// (.deb, .rpm, the Windows installer) call it through `zavera install`
// and `zavera uninstall`; their build files live in the subfolders
// (linux/, windows/, macos/).
//
// # Scopes
//
// A system installation (Install with Scope System, run as root by the
// package's maintainer scripts) makes one local CA and loopback
// certificate per machine in /var/lib/zavera/tls, adds the CA to the
// system trust store (update-ca-certificates on Debian, update-ca-trust
// on Fedora), writes the browser policies, and adds the CA to the NSS
// databases of every user that already has one. A user installation
// (Scope User, run at login by the autostart entry or by a user without a
// package) adds the CA to that user's NSS databases (Firefox profiles and
// ~/.pki/nssdb, which Chromium and Chrome read), and, with no system
// installation, makes a CA of its own in the user's state folder and an
// autostart entry in ~/.config/autostart.
//
// On Windows the CA goes into the user's (or, with Scope System, the
// machine's) Root certificate store through crypt32 in the calling
// process, with Firefox's ImportEnterpriseRoots policy beside it
// (windowstrust.go); reg.exe writes the browser policies under HKCU
// (HKLM), the native messaging host and, for a user, the Run key that
// starts the agent at login. A system installation keeps the machine's
// CA and loopback certificate in %ProgramData%\Zavera\tls, which every
// user's agent serves. The NSIS installer (per user) and the MSI (per
// machine) in windows/ run `zavera install` and `zavera uninstall`.
//
// Every path is taken under Options.Root (for the system files) and
// Options.Home (for the user's), so that tests and package builds work in
// a folder of their own.
//
// # Rules
//
// Each step is idempotent: installing twice changes nothing the second
// time, and uninstalling removes only what Zavera added (its own files,
// its own certificate nickname). A failing step does not stop the others;
// the Result lists every step with its outcome and Err joins the
// failures. The CA's private key is never written (package
// agent/localtls); Install makes it in the calling process, so it must
// be called from a short-lived one (`zavera install`), never from the
// agent. Functions are safe to call from one goroutine at a
// time per Root; they run external tools (certutil from libnss3-tools,
// update-ca-certificates) and wait for them.
package installer
