package verifyserver

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/validate"
)

// trust is one loaded set of trust material; it is never changed once
// built, only replaced.
type trust struct {
	anchors      []*cert.Certificate
	certificates []*cert.Certificate
	list         *validate.TrustList
	loaded       time.Time
}

func (c Config) files() []string {
	out := append(append([]string(nil), c.Anchors...), c.Certificates...)
	if c.TrustList != "" {
		out = append(out, c.TrustList)
	}
	return out
}

// loadTrust reads every file of c. The error wraps ErrTrust.
func loadTrust(c Config) (*trust, error) {
	t := &trust{}
	read := func(name string) ([]byte, error) {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrTrust, err)
		}
		return data, nil
	}
	for _, l := range []struct {
		files []string
		to    *[]*cert.Certificate
	}{{c.Anchors, &t.anchors}, {c.Certificates, &t.certificates}} {
		for _, name := range l.files {
			data, err := read(name)
			if err != nil {
				return nil, err
			}
			certs, err := cert.ParseAll(data)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: %v", ErrTrust, name, err)
			}
			*l.to = append(*l.to, certs...)
		}
	}
	if c.TrustList != "" {
		data, err := read(c.TrustList)
		if err != nil {
			return nil, err
		}
		if t.list, err = validate.ParseTrustList(data); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrTrust, c.TrustList, err)
		}
	}
	t.loaded = c.Now()
	return t, nil
}

// fingerprint says what the trust files are now: size and modification
// time of each, or that it cannot be read. Two equal fingerprints mean
// nothing to reload.
func (c Config) fingerprint() string {
	var b strings.Builder
	for _, name := range c.files() {
		st, err := os.Stat(name)
		if err != nil {
			fmt.Fprintf(&b, "%s:missing\n", name)
			continue
		}
		fmt.Fprintf(&b, "%s:%d:%d\n", name, st.Size(), st.ModTime().UnixNano())
	}
	return b.String()
}

// Reload reads the trust material again. On error the material in use
// stays; the error wraps ErrTrust.
func (s *Server) Reload() error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	s.lastFingerprint = s.cfg.fingerprint()
	t, err := loadTrust(s.cfg)
	if err != nil {
		s.metrics.reloadErrors.Add(1)
		s.cfg.Log.Error("trust material not loaded", "error", err.Error())
		return err
	}
	s.trust.Store(t)
	s.metrics.reloads.Add(1)
	n := len(t.anchors)
	if t.list != nil {
		n += len(t.list.Anchors())
	}
	s.cfg.Log.Info("trust material loaded", "anchors", n, "certificates", len(t.certificates),
		"trustedList", t.list != nil)
	return nil
}

// Watch reloads the trust material whenever one of its files changes
// (checked every interval) until ctx ends. A file that is missing or
// broken is tried again once it changes.
func (s *Server) Watch(ctx context.Context, interval time.Duration) {
	tk := time.NewTicker(interval)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			s.reloadMu.Lock()
			same := s.cfg.fingerprint() == s.lastFingerprint
			s.reloadMu.Unlock()
			if !same {
				s.Reload()
			}
		}
	}
}

// Ready reports whether trust material has been loaded.
func (s *Server) Ready() bool { return s.trust.Load() != nil }
