//go:build !amd64 || purego

package streebog

// compress applies g_N(h, m) to h in place.
func compress(h, n, m *[8]uint64) { compressGeneric(h, n, m) }
