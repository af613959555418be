package validate

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/zavera/zavera/cert"
	"golang.org/x/text/encoding/charmap"
)

// The trusted list of accredited certification authorities that the
// Ministry of Digital Development of Russia publishes (the XML at
// e-trust.gosuslugi.ru/app/scc/portal/api/v1/portal/ca/getxml, formerly
// /CA/DownloadTSL?schemaVersion=0). Its shape, as far as verification
// needs it:
//
//	<АккредитованныеУдостоверяющиеЦентры>
//	  <Версия>…</Версия> <Дата>…</Дата>
//	  <УдостоверяющийЦентр>                      one per CA
//	    <Название>, <КраткоеНазвание>, <ИНН>, <ОГРН>, <РеестровыйНомер>
//	    <СтатусАккредитации>                     the current status
//	      <Статус>Действует|Прекращена|Аннулирована</Статус>
//	      <ДействуетС>…</ДействуетС> [<ДействуетПо>…</ДействуетПо>]
//	    <ИсторияСтатусовАккредитации>            earlier statuses
//	      <СтатусАккредитации>…</СтатусАккредитации>…
//	    <ПрограммноАппаратныеКомплексы>
//	      <ПрограммноАппаратныйКомплекс>         one per CA installation
//	        <Псевдоним>…</Псевдоним>
//	        <КлючиУполномоченныхЛиц><Ключ>       one per CA key
//	          <ИдентификаторКлюча>…</ИдентификаторКлюча>
//	          <АдресаСписковОтзыва><Адрес>…</Адрес>…</АдресаСписковОтзыва>
//	          <Сертификаты><ДанныеСертификата>   one per CA certificate
//	            <Отпечаток>, <КемВыдан>, <КомуВыдан>, <СерийныйНомер>,
//	            <ПериодДействияС>, <ПериодДействияДо>,
//	            <Данные>base64 of the DER certificate</Данные>
//
// Other elements (addresses, e-mail, signing tools) are ignored.

// maxTrustListSize bounds the trusted list read; the published file is a
// few tens of megabytes.
const maxTrustListSize = 256 << 20

// StatusInForce is the accreditation status of a CA whose accreditation
// is in force.
const StatusInForce = "Действует"

// TrustList is a parsed trusted list of accredited CAs.
type TrustList struct {
	Version int
	Date    time.Time
	CAs     []*AccreditedCA
}

// AccreditedCA is one certification authority of the list.
type AccreditedCA struct {
	Name, ShortName string
	INN, OGRN       string
	RegistryNumber  string
	// Status is the current accreditation status as written
	// ("Действует", "Прекращена", "Аннулирована").
	Status string
	// Periods are the statuses with their dates, the current one first,
	// then the history.
	Periods      []AccreditationPeriod
	Certificates []*ListedCertificate
}

// AccreditationPeriod is one status of a CA's accreditation. To is zero
// when the status has no end.
type AccreditationPeriod struct {
	Status   string
	From, To time.Time
}

// Covers reports whether the period is one of accreditation in force at t.
func (p AccreditationPeriod) Covers(t time.Time) bool {
	return p.Status == StatusInForce && !t.Before(p.From) && (p.To.IsZero() || !t.After(p.To))
}

// ListedCertificate is one CA certificate of the list.
type ListedCertificate struct {
	Certificate *cert.Certificate
	// Complex is the alias of the CA installation (ПАК) holding the key.
	Complex string
	KeyID   string
	// CRLs are the revocation list addresses the list gives for the key.
	CRLs []string
	CA   *AccreditedCA
}

// AccreditedAt returns the period of accreditation in force at t.
func (ca *AccreditedCA) AccreditedAt(t time.Time) (AccreditationPeriod, bool) {
	for _, p := range ca.Periods {
		if p.Covers(t) {
			return p, true
		}
	}
	return AccreditationPeriod{}, false
}

// Anchors returns every CA certificate of the list.
func (tl *TrustList) Anchors() []*cert.Certificate {
	var out []*cert.Certificate
	for _, ca := range tl.CAs {
		for _, lc := range ca.Certificates {
			out = append(out, lc.Certificate)
		}
	}
	return out
}

// Lookup finds a certificate of the list, byte for byte.
func (tl *TrustList) Lookup(c *cert.Certificate) *ListedCertificate {
	if tl == nil || c == nil {
		return nil
	}
	for _, ca := range tl.CAs {
		for _, lc := range ca.Certificates {
			if bytes.Equal(lc.Certificate.Raw, c.Raw) {
				return lc
			}
		}
	}
	return nil
}

// XML shapes of the list.
type xmlList struct {
	XMLName xml.Name `xml:"АккредитованныеУдостоверяющиеЦентры"`
	Version string   `xml:"Версия"`
	Date    string   `xml:"Дата"`
	CAs     []xmlCA  `xml:"УдостоверяющийЦентр"`
}

type xmlCA struct {
	Name      string      `xml:"Название"`
	ShortName string      `xml:"КраткоеНазвание"`
	INN       string      `xml:"ИНН"`
	OGRN      string      `xml:"ОГРН"`
	RegNumber string      `xml:"РеестровыйНомер"`
	Status    xmlStatus   `xml:"СтатусАккредитации"`
	History   []xmlStatus `xml:"ИсторияСтатусовАккредитации>СтатусАккредитации"`
	Complexes []struct {
		Alias string `xml:"Псевдоним"`
		Keys  []struct {
			ID    string   `xml:"ИдентификаторКлюча"`
			CRLs  []string `xml:"АдресаСписковОтзыва>Адрес"`
			Certs []struct {
				Thumbprint string `xml:"Отпечаток"`
				Data       string `xml:"Данные"`
			} `xml:"Сертификаты>ДанныеСертификата"`
		} `xml:"КлючиУполномоченныхЛиц>Ключ"`
	} `xml:"ПрограммноАппаратныеКомплексы>ПрограммноАппаратныйКомплекс"`
}

type xmlStatus struct {
	Status string `xml:"Статус"`
	From   string `xml:"ДействуетС"`
	To     string `xml:"ДействуетПо"`
}

// ParseTrustList reads the trusted list (UTF-8 or windows-1251). A CA
// certificate that does not parse, or a date that does not read, fails
// the whole list: a partly read list would silently trust less, or more,
// than the Ministry says.
func ParseTrustList(data []byte) (*TrustList, error) {
	if len(data) > maxTrustListSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrTrustList, len(data))
	}
	var x xmlList
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "windows-1251", "cp1251":
			return charmap.Windows1251.NewDecoder().Reader(in), nil
		}
		return nil, fmt.Errorf("encoding %q", label)
	}
	if err := d.Decode(&x); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTrustList, err)
	}
	tl := &TrustList{}
	if v := strings.TrimSpace(x.Version); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("%w: version %q", ErrTrustList, v)
		}
		tl.Version = n
	}
	var err error
	if tl.Date, err = parseListTime(x.Date); err != nil {
		return nil, err
	}
	for i, xc := range x.CAs {
		ca := &AccreditedCA{
			Name: clean(xc.Name), ShortName: clean(xc.ShortName), INN: clean(xc.INN), OGRN: clean(xc.OGRN),
			RegistryNumber: clean(xc.RegNumber), Status: clean(xc.Status.Status),
		}
		for _, st := range append([]xmlStatus{xc.Status}, xc.History...) {
			if clean(st.Status) == "" {
				continue
			}
			p := AccreditationPeriod{Status: clean(st.Status)}
			if p.From, err = parseListTime(st.From); err != nil {
				return nil, fmt.Errorf("CA %d (%s): %w", i+1, ca.Name, err)
			}
			if p.To, err = parseListTime(st.To); err != nil {
				return nil, fmt.Errorf("CA %d (%s): %w", i+1, ca.Name, err)
			}
			ca.Periods = append(ca.Periods, p)
		}
		for _, cx := range xc.Complexes {
			for _, k := range cx.Keys {
				for _, xcert := range k.Certs {
					certs, err := cert.ParseAll([]byte(xcert.Data))
					if err != nil || len(certs) != 1 {
						return nil, fmt.Errorf("%w: CA %d (%s), certificate %s: %v", ErrTrustList, i+1, ca.Name, clean(xcert.Thumbprint), err)
					}
					var crls []string
					for _, u := range k.CRLs {
						if u = clean(u); u != "" {
							crls = append(crls, u)
						}
					}
					ca.Certificates = append(ca.Certificates, &ListedCertificate{
						Certificate: certs[0], Complex: clean(cx.Alias), KeyID: clean(k.ID), CRLs: crls, CA: ca,
					})
				}
			}
		}
		tl.CAs = append(tl.CAs, ca)
	}
	if len(tl.CAs) == 0 {
		return nil, fmt.Errorf("%w: no certification authority in the list", ErrTrustList)
	}
	return tl, nil
}

func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

// moscow is the zone of list times written without one.
var moscow = time.FixedZone("MSK", 3*60*60)

// parseListTime reads a date of the list: xs:dateTime with or without a
// zone and fraction, or a bare date. A time without a zone is Moscow time.
// An empty value gives the zero time.
func parseListTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02", "02.01.2006 15:04:05", "02.01.2006"} {
		if t, err := time.ParseInLocation(layout, s, moscow); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: date %q", ErrTrustList, s)
}
