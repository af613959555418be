//go:build amd64 && !purego

package streebog

// lpsXor sets out = L(P(S(a ⊕ b))); out may equal a or b. It is written in
// assembly (lps_amd64.s) and computes exactly lpsXorGeneric.
//
//go:noescape
func lpsXor(out, a, b *[8]uint64)
