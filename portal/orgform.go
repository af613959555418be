package portal

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/zavera/zavera/ruid"
)

// OrgForm is the «Организация» form.
type OrgForm struct {
	FullName string `json:"fullName"`
	INN      string `json:"inn"`
	OGRN     string `json:"ogrn"`
	KPP      string `json:"kpp"`
	Address  string `json:"address"`
	Email    string `json:"email"`
	Phone    string `json:"phone"`
}

// Document is an attached file.
type Document struct {
	Name string
	Data []byte
}

// Validate checks every field and returns the refused ones (nil when the
// form is good). Identifiers are checked by package ruid, with the same
// algorithms the page runs before sending.
func (f *OrgForm) Validate() []*FieldError {
	var errs []*FieldError
	add := func(field, msg string) { errs = append(errs, &FieldError{Field: field, Message: msg}) }
	text := func(field, label, v string, min, max int) {
		n := utf8.RuneCountInString(v)
		switch {
		case !utf8.ValidString(v):
			add(field, label+": недопустимые символы")
		case n < min:
			add(field, label+": заполните поле")
		case n > max:
			add(field, fmt.Sprintf("%s: не длиннее %d символов", label, max))
		case strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) }) >= 0:
			add(field, label+": недопустимые символы")
		}
	}
	text("fullName", "Полное наименование", f.FullName, 3, 500)
	text("address", "Юридический адрес", f.Address, 10, 500)
	if err := ruid.ValidateINNLE(f.INN); err != nil {
		add("inn", idMessage("ИНН организации", 10, err))
	}
	if err := ruid.ValidateOGRN(f.OGRN); err != nil {
		add("ogrn", idMessage("ОГРН", 13, err))
	}
	if err := ruid.ValidateKPP(f.KPP); err != nil {
		add("kpp", "КПП: 9 символов, цифры (5-й и 6-й могут быть заглавными латинскими буквами)")
	}
	if a, err := mail.ParseAddress(f.Email); err != nil || a.Address != f.Email || len(f.Email) > 254 {
		add("email", "Электронная почта: адрес вида name@example.ru")
	}
	digits := 0
	for _, r := range f.Phone {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+-() ", r):
		default:
			digits = -100
		}
	}
	if digits < 10 || digits > 15 || len(f.Phone) > 30 {
		add("phone", "Телефон: номер вида +7 495 123-45-67")
	}
	return errs
}

// idMessage explains a refused identifier.
func idMessage(label string, n int, err error) string {
	if errors.Is(err, ruid.ErrChecksum) {
		return label + ": неверное контрольное число — проверьте цифры"
	}
	return fmt.Sprintf("%s: %d цифр", label, n)
}

// CheckDocument refuses anything but a PDF file of at most
// MaxDocumentSize bytes with a .pdf name.
func CheckDocument(d Document) *FieldError {
	name := d.Name
	fe := func(msg string) *FieldError {
		return &FieldError{Field: "documents", Message: fmt.Sprintf("«%s»: %s", name, msg)}
	}
	if name == "" || len(name) > 255 || !utf8.ValidString(name) || strings.ContainsAny(name, "/\\\x00") {
		name = "без имени"
		return fe("недопустимое имя файла")
	}
	if len(d.Data) == 0 {
		return fe("файл пустой")
	}
	if len(d.Data) > MaxDocumentSize {
		return fe(fmt.Sprintf("файл больше 5 МБ (%.1f МБ)", float64(len(d.Data))/(1<<20)))
	}
	if !strings.EqualFold(path.Ext(name), ".pdf") || !bytes.HasPrefix(d.Data, []byte("%PDF-")) {
		return fe("принимаются только документы PDF")
	}
	return nil
}
