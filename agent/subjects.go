package agent

import (
	"sync"

	"github.com/zavera/zavera/cert"
)

// maxSubjectNames bounds the names remembered; past it the memory starts
// afresh.
const maxSubjectNames = 256

// subjectNames remembers certificates' subject names as the journal
// records them, keyed by the subject's DER: formatting a name costs more
// than the rest of a signature's record, and a page signs with the same
// few certificates again and again.
type subjectNames struct {
	mu sync.Mutex
	m  map[string]string
}

// of returns c's subject name, formatted and cut to the journal's limit.
func (s *subjectNames) of(c *cert.Certificate) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name, ok := s.m[string(c.RawSubject)]; ok {
		return name
	}
	name := truncate(c.Subject.String(), 512)
	if s.m == nil || len(s.m) >= maxSubjectNames {
		s.m = make(map[string]string)
	}
	s.m[string(c.RawSubject)] = name
	return name
}
