//go:build !amd64 || purego

package streebog

// lpsXor sets out = L(P(S(a ⊕ b))); out may equal a or b.
func lpsXor(out, a, b *[8]uint64) { lpsXorGeneric(out, a, b) }
