// Package agent will hold Zavera's localhost websocket server: the JSON-RPC
// protocol, the origin policy, the consent flow and the journal.
//
// It talks to tokens and to the user only through interfaces (a token
// source; a prompter for consent, confirmation and PIN), never through
// widgets or PKCS#11 directly, so that tests drive it with fakes and the
// desktop UI is plugged in by cmd/zavera.
package agent
