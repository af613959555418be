package portal

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// filing is a batch of files an accountant submits, each signed.
type filing struct {
	id      string
	owner   string
	files   []Document
	results []filingResult
}

type filingResult struct {
	Index  int     `json:"index"`
	Name   string  `json:"name"`
	Size   int     `json:"size"`
	Status string  `json:"status"` // "Не подписан", "Принят", "Отказ"
	Reason string  `json:"reason,omitempty"`
	Signer *Person `json:"signer,omitempty"`
}

// Filing statuses.
const (
	FilingUnsigned = "Не подписан"
	FilingAccepted = "Принят"
	FilingRejected = "Отказ"
)

func (f *filing) view() map[string]any {
	return map[string]any{"id": f.id, "files": append([]filingResult(nil), f.results...)}
}

func checkFiling(d Document) *FieldError {
	if d.Name == "" || len(d.Name) > 255 || !utf8.ValidString(d.Name) || strings.ContainsAny(d.Name, "/\\\x00") {
		return &FieldError{Field: "files", Message: "недопустимое имя файла"}
	}
	if len(d.Data) == 0 {
		return &FieldError{Field: "files", Message: fmt.Sprintf("«%s»: файл пустой", d.Name)}
	}
	if len(d.Data) > MaxDocumentSize {
		return &FieldError{Field: "files", Message: fmt.Sprintf("«%s»: файл больше 5 МБ", d.Name)}
	}
	return nil
}

func (s *Server) handleCreateFiling(w http.ResponseWriter, r *http.Request) {
	ss := s.sessionOf(w, r)
	if ss == nil {
		return
	}
	_, files, err := readMultipart(w, r, "files")
	if err != nil {
		writeError(w, http.StatusBadRequest, "файлы не читаются: "+err.Error())
		return
	}
	var errs []*FieldError
	if len(files) == 0 {
		errs = append(errs, &FieldError{Field: "files", Message: "выберите файлы отчётности"})
	}
	for _, d := range files {
		if fe := checkFiling(d); fe != nil {
			errs = append(errs, fe)
		}
	}
	if len(errs) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "файлы не приняты", "fields": errs})
		return
	}
	f := &filing{owner: ss.person.SNILS, files: files}
	for i, d := range files {
		f.results = append(f.results, filingResult{Index: i, Name: d.Name, Size: len(d.Data), Status: FilingUnsigned})
	}
	s.mu.Lock()
	f.id = s.nextID("F")
	s.filings[f.id] = f
	v := f.view()
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, v)
}

func (s *Server) filingOf(w http.ResponseWriter, r *http.Request, ss *session) *filing {
	s.mu.Lock()
	f := s.filings[r.PathValue("id")]
	s.mu.Unlock()
	if f == nil || f.owner != ss.person.SNILS {
		writeError(w, http.StatusNotFound, "пакет отчётности не найден")
		return nil
	}
	return f
}

func (s *Server) handleGetFiling(w http.ResponseWriter, r *http.Request) {
	ss := s.sessionOf(w, r)
	if ss == nil {
		return
	}
	if f := s.filingOf(w, r, ss); f != nil {
		s.mu.Lock()
		v := f.view()
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, v)
	}
}

type filingSignatures struct {
	Signatures []struct {
		Index     int    `json:"index"`
		Signature []byte `json:"signature,omitempty"`
		Error     string `json:"error,omitempty"`
	} `json:"signatures"`
}

// handleSignFiling verifies each file's signature: CAdES-BES over the file
// the server kept, chained to the trust anchors, made by the person logged
// in for the organisation of their certificate.
func (s *Server) handleSignFiling(w http.ResponseWriter, r *http.Request) {
	ss := s.sessionOf(w, r)
	if ss == nil {
		return
	}
	f := s.filingOf(w, r, ss)
	if f == nil {
		return
	}
	var req filingSignatures
	if !readJSON(w, r, &req) {
		return
	}
	results := make([]filingResult, len(f.files))
	for i, d := range f.files {
		results[i] = filingResult{Index: i, Name: d.Name, Size: len(d.Data), Status: FilingRejected, Reason: "подпись не получена"}
	}
	seen := map[int]bool{}
	for _, sg := range req.Signatures {
		if sg.Index < 0 || sg.Index >= len(f.files) || seen[sg.Index] {
			writeError(w, http.StatusBadRequest, "неверный номер файла в пакете")
			return
		}
		seen[sg.Index] = true
		res := &results[sg.Index]
		if sg.Error != "" {
			res.Reason = "файл не подписан: " + truncate(sg.Error, 200)
			continue
		}
		signer, err := s.checkFiling(sg.Signature, f.files[sg.Index].Data, ss.person)
		if err != nil {
			res.Reason = refusalText(err)
			s.log.Warn("filing refused", "id", f.id, "file", res.Name, "err", err)
			continue
		}
		res.Status, res.Reason, res.Signer = FilingAccepted, "", &signer
	}
	s.mu.Lock()
	f.results = results
	v := f.view()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) checkFiling(sig, content []byte, who Person) (Person, error) {
	res, err := s.verify(sig, content)
	if err != nil {
		return Person{}, err
	}
	c := res.Signers[0].Certificate
	signer, err := personFrom(c)
	if err != nil {
		return Person{}, err
	}
	switch {
	case signer.SNILS != who.SNILS:
		return signer, &Refusal{Reason: "файл подписан не тем, кто вошёл на портал"}
	case who.INNLE == "" || c.Subject.OrganizationINN() != who.INNLE || c.Subject.OGRN != who.OGRN:
		return signer, &Refusal{Reason: "сертификат подписанта выдан не для организации, от имени которой сдаётся отчётность"}
	}
	return signer, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
