// Package portal is Zavera's demo state-services portal: a small
// Russian-language site, served on the loopback interface, that walks an
// organisation's leader and accountant through what the state services
// portal asks of them, with every signature made by the Zavera agent on a
// token and verified here on the server.
//
// # What it offers
//
//   - Login by certificate: the server issues a one-time nonce, the page
//     has the agent sign the login challenge (signChallenge) and the server
//     verifies it with login.Verify over the bytes it rebuilds from its own
//     origin and the nonce, never over bytes the page sends, requiring the
//     login content type: a document signature over the same bytes or
//     their hash does not log anyone in. The session then knows the person
//     (name, SNILS, INN) and the organisation in the certificate.
//   - «Учётные записи и роли» → «Создать» → «Организация»: the form is
//     checked (package ruid for INN, OGRN and KPP; founding documents must
//     be PDF files of at most MaxDocumentSize), the server writes the
//     statement the leader signs (the form and the Streebog-256 digest of
//     each document), and verifies the signature: CAdES-BES, the chain to
//     the demo CA, INNLE and OGRN of the certificate equal to the form's,
//     a leader's title, the signer being the person logged in. The request
//     goes «В обработке», then «Одобрено» or «Отказ» with the reason.
//   - Filings: the accountant uploads several files, signs them as one
//     batch, and the server verifies each signature against the file it
//     kept.
//   - «Вход через ЕСИА» (/esia/): the login of the state services
//     portal's ESIA page, through the IFCPlugin interface the Zavera
//     extension serves: the server issues a challenge, the page has it
//     signed as an attached CMS, the server verifies the signature (one
//     signer, the portal's CA) and takes the challenge out of its store by
//     the signature's content (esia.go).
//   - «Создание организации» (/org/create): the form and founding
//     documents (PDF, up to MaxFoundingDocument each) signed through the
//     gosuslugi.plugin interface in chunks as one batch; the body is
//     streamed, each file hashed as it arrives with its signer's digest,
//     and each signature verified, with INNLE and OGRN of the certificate
//     against the form (orgcreate.go).
//
// # Rules
//
// Sessions, nonces, requests and filings live in memory only and vanish
// when the process stops: this is a demo, not a store. Requests that change
// state must come from one of the portal's own origins (Origin header) and
// carry the session cookie, which is HttpOnly and SameSite=Strict. Bodies
// are bounded (MaxDocumentSize per file, MaxDocuments files); hostile input
// gives a 4xx answer with a Russian message, never a panic.
//
// # Threading and ownership
//
// A Server is an http.Handler safe for concurrent use; one mutex guards its
// maps. Verification of a signed request runs in its own goroutine, which
// Close waits for. The trust anchors given in Options are not modified.
package portal
