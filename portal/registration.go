package portal

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/zavera/zavera/gost/streebog"
)

// Status of an organisation's registration request.
const (
	StatusDraft      = "Черновик"
	StatusProcessing = "В обработке"
	StatusApproved   = "Одобрено"
	StatusRejected   = "Отказ"
)

type statusChange struct {
	Status string    `json:"status"`
	Time   time.Time `json:"time"`
	Reason string    `json:"reason,omitempty"`
}

type docInfo struct {
	Name   string `json:"name"`
	Size   int    `json:"size"`
	Digest string `json:"streebog256"`
}

// registration is one «Организация» request.
type registration struct {
	id        string
	owner     string // the SNILS of the person who filed it
	form      OrgForm
	docs      []docInfo
	statement []byte // what the leader signs
	signature []byte
	signer    *Person
	history   []statusChange
}

func (reg *registration) status() statusChange { return reg.history[len(reg.history)-1] }

// view is the request as the page shows it; the caller holds s.mu.
func (reg *registration) view() map[string]any {
	st := reg.status()
	v := map[string]any{
		"id": reg.id, "form": reg.form, "documents": reg.docs, "status": st.Status, "reason": st.Reason,
		"history":   append([]statusChange(nil), reg.history...),
		"statement": base64.StdEncoding.EncodeToString(reg.statement), "statementName": "заявление-" + reg.id + ".txt",
	}
	if reg.signer != nil {
		v["signer"] = *reg.signer
	}
	return v
}

// readMultipart reads a bounded multipart body: its text fields and its
// files of the given field name. A file over MaxDocumentSize is cut at
// one byte more so that CheckDocument refuses it without reading it all.
func readMultipart(w http.ResponseWriter, r *http.Request, fileField string) (map[string]string, []Document, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, err
	}
	fields := map[string]string{}
	var docs []Document
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return fields, docs, nil
		}
		if err != nil {
			return nil, nil, err
		}
		name := part.FormName()
		switch {
		case name == fileField && part.FileName() != "":
			if len(docs) >= MaxDocuments {
				return nil, nil, fmt.Errorf("не больше %d файлов", MaxDocuments)
			}
			data, err := io.ReadAll(io.LimitReader(part, MaxDocumentSize+1))
			if err != nil {
				return nil, nil, err
			}
			io.Copy(io.Discard, part)
			docs = append(docs, Document{Name: part.FileName(), Data: data})
		case name != "" && part.FileName() == "":
			if len(fields) >= 32 {
				return nil, nil, errors.New("слишком много полей")
			}
			v, err := io.ReadAll(io.LimitReader(part, 4096))
			if err != nil {
				return nil, nil, err
			}
			fields[name] = strings.TrimSpace(string(v))
		default:
			io.Copy(io.Discard, part)
		}
	}
}

func (s *Server) handleCreateRegistration(w http.ResponseWriter, r *http.Request) {
	ss := s.sessionOf(w, r)
	if ss == nil {
		return
	}
	fields, docs, err := readMultipart(w, r, "documents")
	if err != nil {
		writeError(w, http.StatusBadRequest, "форма не читается: "+err.Error())
		return
	}
	form := OrgForm{
		FullName: fields["fullName"], INN: fields["inn"], OGRN: fields["ogrn"], KPP: fields["kpp"],
		Address: fields["address"], Email: fields["email"], Phone: fields["phone"],
	}
	errs := form.Validate()
	if len(docs) == 0 {
		errs = append(errs, &FieldError{Field: "documents", Message: "приложите учредительные документы (PDF)"})
	}
	for _, d := range docs {
		if fe := CheckDocument(d); fe != nil {
			errs = append(errs, fe)
		}
	}
	if len(errs) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "исправьте поля формы", "fields": errs})
		return
	}
	reg := &registration{owner: ss.person.SNILS, form: form}
	for _, d := range docs {
		h := streebog.New256()
		h.Write(d.Data)
		reg.docs = append(reg.docs, docInfo{Name: d.Name, Size: len(d.Data), Digest: hex.EncodeToString(h.Sum(nil))})
	}
	now := s.now().UTC()
	s.mu.Lock()
	reg.id = s.nextID("R")
	reg.statement = statement(reg, ss.person, now)
	reg.history = []statusChange{{Status: StatusDraft, Time: now}}
	s.registrations[reg.id] = reg
	v := reg.view()
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, v)
}

// statement writes the text the leader signs: the form, the applicant and
// the Streebog-256 digest of every document, so that the signature covers
// the documents too.
func statement(reg *registration, p Person, at time.Time) []byte {
	var b strings.Builder
	f := reg.form
	fmt.Fprintf(&b, "ЗАЯВЛЕНИЕ\nо регистрации учётной записи юридического лица\n\n")
	fmt.Fprintf(&b, "Номер заявления: %s\nДата: %s\n\n", reg.id, at.Format(time.RFC3339))
	fmt.Fprintf(&b, "Полное наименование: %s\nИНН: %s\nОГРН: %s\nКПП: %s\nЮридический адрес: %s\nЭлектронная почта: %s\nТелефон: %s\n\n",
		f.FullName, f.INN, f.OGRN, f.KPP, f.Address, f.Email, f.Phone)
	fmt.Fprintf(&b, "Заявитель: %s, СНИЛС %s", p.Name, p.SNILS)
	if p.INN != "" {
		fmt.Fprintf(&b, ", ИНН %s", p.INN)
	}
	fmt.Fprintf(&b, "\n\nУчредительные документы (хэш по ГОСТ Р 34.11-2012, 256 бит):\n")
	for i, d := range reg.docs {
		fmt.Fprintf(&b, "%d. %s, %d байт, %s\n", i+1, d.Name, d.Size, d.Digest)
	}
	return []byte(b.String())
}

// registrationOf finds the session's request, or answers 404.
func (s *Server) registrationOf(w http.ResponseWriter, r *http.Request, ss *session) *registration {
	s.mu.Lock()
	reg := s.registrations[r.PathValue("id")]
	s.mu.Unlock()
	if reg == nil || reg.owner != ss.person.SNILS {
		writeError(w, http.StatusNotFound, "заявление не найдено")
		return nil
	}
	return reg
}

func (s *Server) handleGetRegistration(w http.ResponseWriter, r *http.Request) {
	ss := s.sessionOf(w, r)
	if ss == nil {
		return
	}
	if reg := s.registrationOf(w, r, ss); reg != nil {
		s.mu.Lock()
		v := reg.view()
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, v)
	}
}

type signatureRequest struct {
	Signature []byte `json:"signature"`
}

func (s *Server) handleSignRegistration(w http.ResponseWriter, r *http.Request) {
	ss := s.sessionOf(w, r)
	if ss == nil {
		return
	}
	reg := s.registrationOf(w, r, ss)
	if reg == nil {
		return
	}
	var req signatureRequest
	if !readJSON(w, r, &req) {
		return
	}
	s.mu.Lock()
	if st := reg.status().Status; st != StatusDraft {
		s.mu.Unlock()
		writeError(w, http.StatusConflict, "заявление уже подписано ("+st+")")
		return
	}
	reg.signature = req.Signature
	reg.history = append(reg.history, statusChange{Status: StatusProcessing, Time: s.now().UTC()})
	v := reg.view()
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.process(reg, ss)
	}()
	writeJSON(w, http.StatusAccepted, v)
}

// process verifies a signed request and decides it.
func (s *Server) process(reg *registration, ss *session) {
	signer, err := s.checkRegistration(reg, ss.person)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().UTC()
	if err != nil {
		reg.history = append(reg.history, statusChange{Status: StatusRejected, Time: now, Reason: refusalText(err)})
		s.log.Warn("registration refused", "id", reg.id, "err", err)
		return
	}
	reg.signer = &signer
	reg.history = append(reg.history, statusChange{Status: StatusApproved, Time: now})
	ss.orgs = append(ss.orgs, Organization{
		Name: reg.form.FullName, INN: reg.form.INN, OGRN: reg.form.OGRN, KPP: reg.form.KPP,
		Role: "Руководитель", Source: "registration",
	})
	s.log.Info("registration approved", "id", reg.id, "inn", reg.form.INN)
}

// checkRegistration verifies the leader's signature over the statement:
// CAdES-BES chained to the portal's trust anchors, the certificate's
// INNLE and OGRN equal to the form's, a leader's title, and the signer
// being the person logged in.
func (s *Server) checkRegistration(reg *registration, who Person) (Person, error) {
	res, err := s.verify(reg.signature, reg.statement)
	if err != nil {
		return Person{}, err
	}
	c := res.Signers[0].Certificate
	signer, err := personFrom(c)
	if err != nil {
		return Person{}, err
	}
	switch {
	case c.Subject.OrganizationINN() != reg.form.INN:
		return signer, &Refusal{Reason: fmt.Sprintf("ИНН организации в сертификате (%s) не совпадает с ИНН в заявлении (%s)", orNone(c.Subject.OrganizationINN()), reg.form.INN)}
	case c.Subject.OGRN != reg.form.OGRN:
		return signer, &Refusal{Reason: fmt.Sprintf("ОГРН в сертификате (%s) не совпадает с ОГРН в заявлении (%s)", orNone(c.Subject.OGRN), reg.form.OGRN)}
	case !isLeader(c.Subject.Title):
		return signer, &Refusal{Reason: fmt.Sprintf("заявление подписывает руководитель организации, а в сертификате должность «%s»", orNone(c.Subject.Title))}
	case signer.SNILS != who.SNILS:
		return signer, &Refusal{Reason: "заявление подписано не тем, кто вошёл на портал"}
	}
	return signer, nil
}

func orNone(s string) string {
	if s == "" {
		return "не указано"
	}
	return s
}
