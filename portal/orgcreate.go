package portal

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime/multipart"
	"net/http"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/gost/streebog"
)

// The «Создание организации» page (/org/create) works as the state
// services portal's organisation creation does, through the
// gosuslugi.plugin interface: the form, the founding documents as PDF
// files of up to MaxFoundingDocument bytes, sent to the plug-in in chunks
// and signed as one batch (detached CAdES-BES), then the form, each
// signature and each file posted here as one multipart body.
//
// The body is read as it arrives and never held whole: the form's fields
// first, then for each document its signature (a "signature" part) and the
// file (a "document" part). The signature says which digest the signer
// used; the file is hashed with it while it streams in (and checked to be
// a PDF), and the signature verified over that digest: CAdES-BES by one
// signer, chained to the portal's trust anchors, and the certificate's
// INNLE and OGRN equal to the form's.

// MaxFoundingDocument is the largest founding document on the
// «Создание организации» page, as the state services portal's plug-in
// allows.
const MaxFoundingDocument = 100 << 20

const (
	maxFoundingDocuments = 20
	maxSignatureBytes    = 64 << 10
	maxFieldBytes        = 4 << 10
	maxOrgBody           = maxFoundingDocuments*(MaxFoundingDocument+maxSignatureBytes*2) + 1<<20
)

// foundingResult is what the page learns about one document.
type foundingResult struct {
	Name     string  `json:"name"`
	Size     int64   `json:"size"`
	Accepted bool    `json:"accepted"`
	Reason   string  `json:"reason,omitempty"`
	Signer   *Person `json:"signer,omitempty"`
}

func (s *Server) handleOrgCreate(w http.ResponseWriter, r *http.Request) {
	ss := s.sessionOf(w, r)
	if ss == nil {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxOrgBody)
	mr, err := r.MultipartReader()
	if err != nil {
		writeError(w, http.StatusBadRequest, "ожидалась форма с файлами")
		return
	}
	var form OrgForm
	fields := map[string]*string{
		"fullName": &form.FullName, "inn": &form.INN, "ogrn": &form.OGRN, "kpp": &form.KPP,
		"address": &form.Address, "email": &form.Email, "phone": &form.Phone,
	}
	var results []foundingResult
	var sig []byte
	validated := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "форма не читается")
			return
		}
		name := part.FormName()
		if dst, ok := fields[name]; ok && !validated {
			v, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
			if err != nil || len(v) > maxFieldBytes {
				writeError(w, http.StatusBadRequest, "поле формы слишком длинное")
				return
			}
			*dst = strings.TrimSpace(string(v))
			continue
		}
		if !validated {
			if errs := form.Validate(); len(errs) > 0 {
				writeJSON(w, http.StatusBadRequest, map[string]any{"error": "проверьте поля формы", "fields": errs})
				return
			}
			validated = true
		}
		switch {
		case name == "signature" && sig == nil:
			v, err := io.ReadAll(io.LimitReader(part, maxSignatureBytes+1))
			if err != nil || len(v) > maxSignatureBytes {
				writeError(w, http.StatusBadRequest, "подпись слишком длинная")
				return
			}
			if sig, err = base64.StdEncoding.DecodeString(strings.TrimSpace(string(v))); err != nil || len(sig) == 0 {
				writeError(w, http.StatusBadRequest, "подпись не в base64")
				return
			}
		case name == "document" && sig != nil:
			if len(results) == maxFoundingDocuments {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("не больше %d документов", maxFoundingDocuments))
				return
			}
			res, err := s.checkFounding(part, sig, &form)
			if err != nil {
				writeError(w, http.StatusBadRequest, err.Error())
				return
			}
			results = append(results, res)
			sig = nil
		default:
			writeError(w, http.StatusBadRequest, "части формы не по порядку: подпись, затем её документ")
			return
		}
	}
	if !validated || len(results) == 0 || sig != nil {
		writeError(w, http.StatusBadRequest, "нет учредительных документов с подписями")
		return
	}
	accepted := true
	for _, res := range results {
		accepted = accepted && res.Accepted
	}
	if accepted {
		s.mu.Lock()
		role := "Сотрудник"
		if isLeader(ss.person.Title) {
			role = "Руководитель"
		}
		ss.orgs = append(ss.orgs, Organization{Name: form.FullName, INN: form.INN, OGRN: form.OGRN, KPP: form.KPP, Role: role, Source: "registration"})
		s.mu.Unlock()
	}
	s.log.Info("organisation created", "inn", form.INN, "documents", len(results), "accepted", accepted)
	writeJSON(w, http.StatusOK, map[string]any{"accepted": accepted, "documents": results})
}

// errFoundingForm is a document part the page should not have sent; the
// whole request is refused.
type errFoundingForm string

func (e errFoundingForm) Error() string { return string(e) }

// checkFounding streams one document, hashing it with the digest the
// signature's signer used, and verifies the signature over it. A refused
// signature is a result; a malformed part is an error.
func (s *Server) checkFounding(part *multipart.Part, sig []byte, form *OrgForm) (foundingResult, error) {
	name := part.FileName()
	res := foundingResult{Name: name}
	if name == "" || len(name) > 255 || !utf8.ValidString(name) || strings.ContainsAny(name, "/\\\x00") {
		return res, errFoundingForm("недопустимое имя файла")
	}
	if !strings.EqualFold(path.Ext(name), ".pdf") {
		return res, errFoundingForm(fmt.Sprintf("«%s»: принимаются только документы PDF", name))
	}
	var h hash.Hash
	sd, perr := cms.ParseAny(sig)
	if perr == nil && len(sd.SignerInfos) == 1 {
		switch cms.DigestName(sd.SignerInfos[0].DigestAlgorithm.Algorithm) {
		case "Streebog-256":
			h = streebog.New256()
		case "Streebog-512":
			h = streebog.New512()
		case "SHA-256":
			h = sha256.New()
		case "SHA-384":
			h = sha512.New384()
		case "SHA-512":
			h = sha512.New()
		}
	}
	head := make([]byte, 5)
	n, _ := io.ReadFull(part, head)
	if n < 5 || !bytes.Equal(head, []byte("%PDF-")) {
		return res, errFoundingForm(fmt.Sprintf("«%s»: принимаются только документы PDF", name))
	}
	sink := io.Discard
	if h != nil {
		h.Write(head)
		sink = h
	}
	copied, err := io.Copy(sink, io.LimitReader(part, MaxFoundingDocument-5+1))
	res.Size = copied + 5
	if err != nil {
		return res, errFoundingForm("файл не дочитан")
	}
	if res.Size > MaxFoundingDocument {
		return res, errFoundingForm(fmt.Sprintf("«%s»: файл больше 100 МБ", name))
	}
	switch {
	case perr != nil:
		res.Reason = cmsReason(perr)
	case len(sd.SignerInfos) != 1:
		res.Reason = "ожидалась одна подпись"
	case sd.Content != nil:
		res.Reason = "ожидалась откреплённая подпись"
	case h == nil:
		res.Reason = "алгоритм хэширования подписи не поддерживается"
	}
	if res.Reason != "" {
		s.log.Warn("founding document refused", "name", name, "reason", res.Reason)
		return res, nil
	}
	vr, err := cms.Verify(sig, &cms.VerifyOptions{Digest: h.Sum(nil), Roots: s.roots, Time: s.now()})
	if err != nil {
		res.Reason = cmsReason(err)
		s.log.Warn("founding document refused", "name", name, "err", err)
		return res, nil
	}
	c := vr.Signers[0].Certificate
	signer, err := personFrom(c)
	if err != nil {
		res.Reason = refusalText(err)
		return res, nil
	}
	res.Signer = &signer
	if c.Subject.OrganizationINN() != form.INN || c.Subject.OGRN != form.OGRN {
		res.Reason = "ИНН и ОГРН в сертификате подписанта не совпадают с указанными в форме"
		return res, nil
	}
	res.Accepted = true
	return res, nil
}
