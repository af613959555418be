package gost

//go:generate sh gen_curves.sh

// Types and helpers shared by every curve's arithmetic (see the tmpl_*.go
// templates and the curve_*_generated.go files written from them).

// curveOps is what the key types need from a curve, on little-endian byte
// strings of the curve's size. It hides the limb count: a 256-bit curve
// runs on 4-limb residues and a 512-bit one on 8-limb residues.
type curveOps interface {
	// scalarValid reports whether the scalar d satisfies 0 < d < q; it
	// runs in constant time.
	scalarValid(d []byte) bool
	// publicKey returns LE(X) || LE(Y) of d·G for a valid scalar d.
	publicKey(d []byte) []byte
	// sign computes the signature BE(s) || BE(r) of digest under d with the
	// nonce k (both valid scalars); ok is false when r or s is zero.
	sign(d, digest, k []byte) (sig []byte, ok bool)
	// pointValid reports whether LE(X) || LE(Y) is a point on the curve.
	pointValid(pub []byte) bool
	// verify checks sig over digest under a valid public key; the lengths of
	// digest and sig must already be checked.
	verify(pub, digest, sig []byte) error
	// mulScalars returns x·y mod q for little-endian x and y.
	mulScalars(x, y []byte) []byte
}

// reverse reverses b in place.
func reverse(b []byte) {
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
}

// point is a projective point.
type point[E any] struct{ x, y, z E }

// affine is an affine point; it never represents the point at infinity.
type affine[E any] struct{ x, y E }

// scratch holds the temporaries of the point formulas. Passing it in keeps
// them off the heap: the generic code calls the field through a
// dictionary, which escape analysis cannot see through, so local
// temporaries would each be allocated. A scratch serves one goroutine and
// one formula at a time.
type scratch[E any] struct{ t [10]E }

// regs returns pointers to the nine temporaries.
func (s *scratch[E]) regs() (a, b, c, d, e, f, g, h, i *E) {
	t := &s.t
	return &t[0], &t[1], &t[2], &t[3], &t[4], &t[5], &t[6], &t[7], &t[8]
}

// regs10 returns pointers to all ten temporaries.
func (s *scratch[E]) regs10() (a, b, c, d, e, f, g, h, i, j *E) {
	t := &s.t
	return &t[0], &t[1], &t[2], &t[3], &t[4], &t[5], &t[6], &t[7], &t[8], &t[9]
}

const (
	combBits  = 5
	combWidth = 1 << (combBits - 1) // entries per table row
)

// The verification's table of odd multiples of G for a width-7 NAF.
const (
	gOddBits  = 7
	gOddCount = 1 << (gOddBits - 2) // G, 3G, ..., 63G
)

// combRow is one window of the base-point table.
type combRow[E any] [combWidth]affine[E]

// ctEq returns 1 when a == b and 0 otherwise, without branching.
func ctEq(a, b uint64) uint64 {
	x := a ^ b
	return 1 ^ ((x | -x) >> 63)
}

// recodeDigit turns window value v (0..32 after adding the carry in) into
// a digit in [-15, 16] and the carry out, without branching.
func recodeDigit(v uint64) (mag, neg, carry uint64) {
	carry = (v + combWidth - 1) >> combBits // 1 when v > combWidth
	d := int64(v) - int64(carry<<combBits)  // -15..16
	sign := uint64(d >> 63)                 // all ones when negative
	mag = (uint64(d) ^ sign) - sign
	return mag, sign & 1, carry
}

// wnaf returns the width-w NAF of the little-endian words k (which it
// consumes; k needs one spare top word): odd digits in (-2^(w-1), 2^(w-1)),
// least significant first.
func wnaf(k []uint64, w uint) []int8 {
	out := make([]int8, 0, 64*len(k)+1)
	for !wordsZero(k) {
		var d int64
		if k[0]&1 == 1 {
			d = int64(k[0] & (1<<w - 1))
			if d >= 1<<(w-1) {
				d -= 1 << w
			}
			if d > 0 {
				subWord(k, uint64(d))
			} else {
				addWord(k, uint64(-d))
			}
		}
		out = append(out, int8(d))
		for i := 0; i < len(k); i++ {
			k[i] >>= 1
			if i+1 < len(k) {
				k[i] |= k[i+1] << 63
			}
		}
	}
	return out
}

func wordsZero(k []uint64) bool {
	for _, v := range k {
		if v != 0 {
			return false
		}
	}
	return true
}

func subWord(k []uint64, v uint64) {
	for i := range k {
		old := k[i]
		k[i] -= v
		if old >= v {
			return
		}
		v = 1
	}
}

func addWord(k []uint64, v uint64) {
	for i := range k {
		k[i] += v
		if k[i] >= v {
			return
		}
		v = 1
	}
}

// Twisted Edwards points, for the parameter sets that have an Edwards form
// (TC26 256 A and 512 C, RFC 7836): extended coordinates (X:Y:T:Z) with
// u = X/Z, v = Y/Z and T = XY/Z.
type epoint[E any] struct{ x, y, t, z E }

// eaffine is an affine Edwards point with d·u·v precomputed.
type eaffine[E any] struct{ x, y, dt E }

// ecached is an extended Edwards point with d·T in place of T.
type ecached[E any] struct{ x, y, dt, z E }

// ecombRow is one window of the Edwards base-point table.
type ecombRow[E any] [combWidth]eaffine[E]
