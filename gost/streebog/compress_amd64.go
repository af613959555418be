//go:build amd64 && !purego

package streebog

// compress applies g_N(h, m) to h in place. It is written in assembly
// (compress_amd64.s) and computes exactly compressGeneric.
//
//go:noescape
func compress(h, n, m *[8]uint64)
