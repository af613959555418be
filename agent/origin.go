package agent

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// maxOriginLen bounds the Origin header; real origins are far shorter.
const maxOriginLen = 253 + len("https://") + len(":65535")

// ParseOrigin checks that s is a serialised web origin (RFC 6454):
// scheme "https" or "http", a host, an optional port, and nothing else. It
// returns the origin in canonical form: lower case, default port dropped.
// The error wraps ErrOriginNotAllowed.
//
// The origin the user is shown, the one remembered and the one compared
// must be the same string, so ParseOrigin accepts only origins that no
// parser could read as another host: printable ASCII without '%' (which
// url.Parse would decode in a host, once, so that the canonical form would
// read differently the next time) or '\\', a host of letters, digits,
// '-', '.' and '_' (internationalised names come as xn-- labels, as
// browsers send them), or a bracketed IPv6 address without a zone. The
// canonical form is a fixed point: ParseOrigin returns it unchanged.
func ParseOrigin(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("%w: no origin", ErrOriginNotAllowed)
	}
	if len(s) > maxOriginLen {
		return "", fmt.Errorf("%w: origin too long", ErrOriginNotAllowed)
	}
	for _, r := range s {
		if r <= ' ' || r >= 0x7f {
			return "", fmt.Errorf("%w: origin has a non-ASCII or control character", ErrOriginNotAllowed)
		}
		if r == '%' || r == '\\' {
			return "", fmt.Errorf("%w: origin %q has an escape", ErrOriginNotAllowed, s)
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%w: origin %q: %v", ErrOriginNotAllowed, s, err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return "", fmt.Errorf("%w: origin %q: scheme must be https", ErrOriginNotAllowed, s)
	}
	if u.Opaque != "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "", fmt.Errorf("%w: origin %q has more than scheme, host and port", ErrOriginNotAllowed, s)
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return "", fmt.Errorf("%w: origin %q has no host", ErrOriginNotAllowed, s)
	}
	if !validHost(host) {
		return "", fmt.Errorf("%w: origin %q: host is not an ASCII name or an IP address", ErrOriginNotAllowed, s)
	}
	port := u.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("%w: origin %q: bad port", ErrOriginNotAllowed, s)
		}
		if (scheme == "https" && n == 443) || (scheme == "http" && n == 80) {
			port = ""
		} else {
			port = strconv.Itoa(n)
		}
	}
	hostPart := host
	if strings.Contains(host, ":") {
		hostPart = "[" + host + "]"
	}
	if port != "" {
		return scheme + "://" + net.JoinHostPort(host, port), nil
	}
	return scheme + "://" + hostPart, nil
}

// originPolicy decides which origins may connect and which need the user's
// approval. It is immutable; approvals live in *Approvals.
type originPolicy struct {
	preapproved map[string]bool
	dev         map[string]bool
}

func newOriginPolicy(c Config) (*originPolicy, error) {
	p := &originPolicy{preapproved: map[string]bool{}, dev: map[string]bool{}}
	for _, o := range c.Origins {
		n, err := ParseOrigin(o)
		if err != nil {
			return nil, err
		}
		p.preapproved[n] = true
	}
	for _, o := range c.DevOrigins {
		n, err := ParseOrigin(o)
		if err != nil {
			return nil, err
		}
		p.dev[n] = true
	}
	return p, nil
}

// admit checks the Origin header of a connection and returns the canonical
// origin. Only https origins and configured development origins pass.
func (p *originPolicy) admit(header string) (string, error) {
	o, err := ParseOrigin(header)
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(o, "https://") || p.dev[o] {
		return o, nil
	}
	return "", fmt.Errorf("%w: %q is not https and not a configured development origin", ErrOriginNotAllowed, o)
}

// validHost reports whether host (lower case, without brackets) is a name
// of ASCII letters, digits, '-', '.' and '_', or an IPv6 address without a
// zone.
func validHost(host string) bool {
	if strings.Contains(host, ":") {
		a, err := netip.ParseAddr(host)
		return err == nil && a.Is6() && a.Zone() == ""
	}
	for i := 0; i < len(host); i++ {
		switch b := host[i]; {
		case 'a' <= b && b <= 'z', '0' <= b && b <= '9', b == '-', b == '.', b == '_':
		default:
			return false
		}
	}
	return true
}
