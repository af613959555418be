package agent

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/zavera/zavera/cades"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/tsp"
)

// Signature levels of the sign method's level parameter (docs/protocol.md).
// The names CryptoPro's page API uses are accepted too.
const (
	LevelBES  = "BES"  // CAdES-BES, the default
	LevelT    = "T"    // CAdES-T: a signature time-stamp from a TSA
	LevelXLT1 = "XLT1" // CAdES-X Long Type 1: time-stamp, path, revocation data, CAdES-C time-stamp
)

// ErrUnavailable means a time-stamping authority or revocation service
// that the signature level asked for could not be reached, refused, or
// answered what cannot be used; the signature was made but not enhanced.
var ErrUnavailable = errors.New("agent: time-stamping or revocation service unavailable")

// longTermTimeout bounds the time-stamps and revocation data of one
// signature.
const longTermTimeout = 60 * time.Second

// signLevel reads the level parameter: "" is BES.
func signLevel(s string) (string, error) {
	switch strings.ToUpper(s) {
	case "", "BES", "CADES_BES":
		return LevelBES, nil
	case "T", "CADES_T":
		return LevelT, nil
	case "XLT1", "X_LONG_TYPE_1", "CADES_X_LONG_TYPE_1":
		return LevelXLT1, nil
	}
	return "", badParams("params.level: %q is not BES, T or XLT1", s)
}

// tsaFor returns the TSA a signature of level asks: the page's when it
// names one, the configuration allows it (pageTSA) and the machine-wide
// policy did not pin the configuration's; else the configuration's. A
// page that names the configured TSA itself (CryptoPro's pages set
// TSAAddress) is always served.
func (s *Server) tsaFor(level, page string) (string, error) {
	if level == LevelBES {
		if page != "" {
			return "", badParams("params.tsa is for levels T and XLT1")
		}
		return "", nil
	}
	if page != "" && page != s.cfg.TSAURL {
		if s.cfg.tsaPinned {
			return "", badParams("params.tsa: the administrator's policy sets the time-stamping authority")
		}
		if !s.cfg.PageTSA {
			return "", badParams("params.tsa: the configuration does not let pages name a time-stamping authority")
		}
		if err := checkTSAURL(page); err != nil {
			return "", badParams("params.tsa: %v", err)
		}
		return page, nil
	}
	if s.cfg.TSAURL == "" {
		return "", &rpcError{CodeBadRequest, "no time-stamping authority configured"}
	}
	return s.cfg.TSAURL, nil
}

// checkTSAURL accepts an absolute http or https URL.
func checkTSAURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", raw)
	}
	return nil
}

// enhance makes sig long-term at level with the TSA at tsaURL. For XLT1
// the signer's path is built to the configured trust anchors and trusted
// list, and revocation data are fetched from the certificates'
// responders. signers are the indexes of the signers to enhance, nil for
// all: a co-signature enhances only the signer it added.
func (s *Server) enhance(ctx context.Context, sig []byte, level, tsaURL string, signers []int) ([]byte, error) {
	if level == LevelBES {
		return sig, nil
	}
	ctx, cancel := context.WithTimeout(ctx, longTermTimeout)
	defer cancel()
	client := &tsp.Client{URL: tsaURL}
	var out []byte
	var err error
	if level == LevelT {
		out, err = cades.AddTimestampTo(ctx, sig, client, signers)
	} else {
		var roots []*cert.Certificate
		if roots, err = s.trustAnchors(); err != nil {
			return nil, err
		}
		tl, terr := s.trustList()
		if terr != nil {
			return nil, terr
		}
		if tl != nil {
			roots = append(roots, tl.Anchors()...)
		}
		client.Verify = &tsp.VerifyOptions{Roots: roots}
		out, err = cades.AddXLongType1(ctx, sig, &cades.XLongOptions{Timestamper: client, Roots: roots, Signers: signers})
	}
	if err != nil {
		s.log.Warn("long-term signature failed", "level", level, "tsa", tsaURL, "err", err)
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return out, nil
}
