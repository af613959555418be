package streebog

// lpsTable[256*i+x] is the contribution of byte value x, found at byte i of
// each input word, to the output word of the combined transformation
// L∘P∘S (RFC 6986, 6.1-6.3). With the state as words s[0..7], output word w
// is the XOR over i of lpsTable[256*i + byte w of s[i]]: S is π applied to x, P
// moves byte w of word i to byte i of word w, and L multiplies each word by
// the matrix A.
var lpsTable [8 * 256]uint64

func init() {
	for i := range 8 {
		for x := range 256 {
			v := uint64(pi[x])
			var out uint64
			for j := range 8 {
				if v>>j&1 == 1 {
					out ^= matrixA[63-(8*i+j)]
				}
			}
			lpsTable[256*i+x] = out
		}
	}
}
