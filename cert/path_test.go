package cert

import (
	"crypto/elliptic"
	"testing"
)

func TestIssuerPath(t *testing.T) {
	root := issue(t, caTemplate("Root", 1, -1), ecKey(t, elliptic.P256()), nil)
	mid := issue(t, caTemplate("Intermediate", 2, 0), ecKey(t, elliptic.P256()), root)
	leaf := issue(t, leafTemplate("Signer", 3), ecKey(t, elliptic.P256()), mid)
	// Another CA with the intermediate's name but its own key: its
	// signature on the leaf does not verify, so it is passed over.
	twin := issue(t, caTemplate("Intermediate", 4, 0), ecKey(t, elliptic.P256()), root)
	r, m, l, tw := parseIssued(t, root), parseIssued(t, mid), parseIssued(t, leaf), parseIssued(t, twin)

	cases := []struct {
		name     string
		leaf     *Certificate
		pool     []*Certificate
		want     []*Certificate
		complete bool
	}{
		{"whole", l, []*Certificate{r, tw, m}, []*Certificate{m, r}, true},
		{"no root", l, []*Certificate{tw, m}, []*Certificate{m}, false},
		{"no intermediate", l, []*Certificate{r, tw}, nil, false},
		{"empty pool", l, nil, nil, false},
		{"leaf in pool", l, []*Certificate{l, m, r}, []*Certificate{m, r}, true},
		{"self-signed leaf", r, []*Certificate{m, r}, nil, true},
	}
	for _, c := range cases {
		path, complete := IssuerPath(c.leaf, c.pool)
		if complete != c.complete || len(path) != len(c.want) {
			t.Errorf("%s: path of %d, complete %v; want %d, %v", c.name, len(path), complete, len(c.want), c.complete)
			continue
		}
		for i := range path {
			if path[i] != c.want[i] {
				t.Errorf("%s: path[%d] is %s, want %s", c.name, i, path[i].Subject.CommonName, c.want[i].Subject.CommonName)
			}
		}
	}
	if !r.SelfSigned() || m.SelfSigned() || l.SelfSigned() {
		t.Error("SelfSigned is wrong")
	}
}
