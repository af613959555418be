// Package keysource is the agent's token source for software keys: key
// files and CryptoPro key containers that the user added (a list kept in
// the state folder, see List) or that are found where CryptoPro CSP keeps
// containers (keyfile/cpcontainer.Discover).
//
// Each key appears as a token of its own, marked as a software key, with
// the certificate found with the key (inside the container, or a file the
// user named when adding the key). Pages get these certificates marked
// "softwareKey": a software key is not a certified token, and pages may
// refuse it.
//
// # Rules
//
//   - Listing never asks for a password and never decrypts a key beyond
//     what cpcontainer.Inspect does (the empty password's check).
//   - OpenKey asks for the password with the agent's PIN prompt (the Token
//     it passes describes the file), opens the key, checks it against the
//     certificate and returns it. The decrypted key lives until the key's
//     Close, which the agent calls after the request's last signature; Close
//     wipes it. Nothing is cached between requests: the next request asks
//     for the password again.
//   - A wrong password is an agent.ErrPINIncorrect (pages see the PIN error
//     code); a damaged or unsupported file is agent.ErrTokenNotFound with
//     the keyfile error in the chain for the log.
//   - Formats are read through the openers map (formats.go), keyed by Kind.
//
// # Concurrency
//
// A *Source and a *List are safe for concurrent use. The usable keys are
// described again when the last description is a second old (or after
// Changed), so keys added or removed by `zavera keys` or the main window in
// another process, and flash drives inserted, show within a second.
package keysource
