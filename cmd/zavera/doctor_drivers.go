package main

import (
	"fmt"
	"io"

	"github.com/zavera/zavera/pkcs11"
	"github.com/zavera/zavera/ui/i18n"
)

// doctorDriver is what `zavera doctor` found about one token's driver
// where it departs from the common reading of PKCS#11 (pkcs11.Quirks),
// with a sentence for each in the user's language. None is a problem:
// Zavera works with each; the notes tell the user and the support line
// what to expect.
type doctorDriver struct {
	Token  string        `json:"token"`
	Label  string        `json:"label"`
	Quirks pkcs11.Quirks `json:"quirks"`
	Notes  []string      `json:"notes"`
}

// The notes, in English; noteRussian holds their Russian.
const (
	noteCombinedOnly = "combined mechanisms only: the token hashes the signed attributes itself"
	noteStandardOnly = "standard mechanisms only (no TC26 vendor range): GOST 2012-512 keys cannot sign"
	noteVendorOnly   = "TC26 vendor-range mechanisms only (none of PKCS#11's own): GOST 2012-256 keys sign through the combined mechanism"
	noteCertsLogin   = "certificates after login: the token shows them once logged in ('zavera certs --login', or after the first PIN)"
	noteSharedID     = "several key pairs share one CKA_ID: keys are paired by their public key"
	noteLoginShared  = "logged in already by another program: no PIN is asked"
	notePINPad       = "PIN pad: the PIN is typed on the reader"
	noteNoSlotEvents = "no slot events: insertion and removal are seen by polling"
)

// doctorDrivers inspects every token listed.
func doctorDrivers(m *pkcs11.Manager, toks []pkcs11.Token, lang i18n.Lang) []doctorDriver {
	var out []doctorDriver
	for _, t := range toks {
		q, _ := m.Inspect(t.ID)
		if !q.Any() {
			continue
		}
		d := doctorDriver{Token: t.ID, Label: t.Label, Quirks: q}
		for _, n := range []struct {
			on   bool
			text string
		}{
			{q.CombinedOnly, noteCombinedOnly},
			{q.StandardOnly, noteStandardOnly},
			{q.VendorOnly, noteVendorOnly},
			{q.CertificatesAfterLogin, noteCertsLogin},
			{q.SharedKeyID, noteSharedID},
			{q.LoginShared, noteLoginShared},
			{q.PINPad, notePINPad},
			{q.NoSlotEvents, noteNoSlotEvents},
		} {
			if n.on {
				d.Notes = append(d.Notes, driverNote(lang, n.text))
			}
		}
		out = append(out, d)
	}
	return out
}

// printDriverNotes prints the notes about the token's driver.
func printDriverNotes(w io.Writer, drivers []doctorDriver, tokenID string) {
	for _, d := range drivers {
		if d.Token != tokenID {
			continue
		}
		for _, n := range d.Notes {
			fmt.Fprintf(w, "  %-13s %s\n", "Driver:", n)
		}
	}
}

// noteRussian holds the Russian of every note.
var noteRussian = map[string]string{
	noteCombinedOnly: "только совмещённые механизмы: токен сам хеширует подписываемые атрибуты",
	noteStandardOnly: "только стандартные механизмы (без диапазона ТК 26): ключи ГОСТ 2012-512 не могут подписывать",
	noteVendorOnly:   "только механизмы из диапазона ТК 26 (без собственных механизмов PKCS#11): ключи ГОСТ 2012-256 подписывают через совмещённый механизм",
	noteCertsLogin:   "сертификаты после входа: токен показывает их после ввода PIN-кода ('zavera certs --login' или первая подпись)",
	noteSharedID:     "у нескольких пар ключей один CKA_ID: ключи сопоставляются по открытому ключу",
	noteLoginShared:  "вход уже выполнен другой программой: PIN-код не запрашивается",
	notePINPad:       "ПИН-пад: PIN-код вводится на считывателе",
	noteNoSlotEvents: "нет событий слотов: подключение и извлечение токена отслеживаются опросом",
}

// driverNote returns a note in lang.
func driverNote(lang i18n.Lang, note string) string {
	if ru, ok := noteRussian[note]; ok && lang == i18n.Russian {
		return ru
	}
	return note
}
