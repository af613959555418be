package kuznyechik

// pi is the nonlinear bijection π of GOST R 34.12-2015, 4.1.1 (RFC 7801,
// section 4.1).
var pi = [256]byte{
	252, 238, 221, 17, 207, 110, 49, 22, 251, 196, 250, 218, 35, 197, 4, 77,
	233, 119, 240, 219, 147, 46, 153, 186, 23, 54, 241, 187, 20, 205, 95, 193,
	249, 24, 101, 90, 226, 92, 239, 33, 129, 28, 60, 66, 139, 1, 142, 79,
	5, 132, 2, 174, 227, 106, 143, 160, 6, 11, 237, 152, 127, 212, 211, 31,
	235, 52, 44, 81, 234, 200, 72, 171, 242, 42, 104, 162, 253, 58, 206, 204,
	181, 112, 14, 86, 8, 12, 118, 18, 191, 114, 19, 71, 156, 183, 93, 135,
	21, 161, 150, 41, 16, 123, 154, 199, 243, 145, 120, 111, 157, 158, 178, 177,
	50, 117, 25, 61, 255, 53, 138, 126, 109, 84, 198, 128, 195, 189, 13, 87,
	223, 245, 36, 169, 62, 168, 67, 201, 215, 121, 214, 246, 124, 34, 185, 3,
	224, 15, 236, 222, 122, 148, 176, 188, 220, 232, 40, 80, 78, 51, 10, 74,
	167, 151, 96, 115, 30, 0, 98, 68, 26, 184, 56, 130, 100, 159, 38, 65,
	173, 69, 70, 146, 39, 94, 85, 47, 140, 163, 165, 125, 105, 213, 149, 59,
	7, 88, 179, 64, 134, 172, 29, 247, 48, 55, 107, 228, 136, 217, 231, 137,
	225, 27, 131, 73, 76, 63, 248, 254, 141, 83, 170, 144, 202, 216, 133, 97,
	32, 113, 103, 164, 45, 43, 9, 91, 203, 155, 37, 208, 190, 229, 108, 82,
	89, 166, 116, 210, 230, 244, 180, 192, 209, 102, 175, 194, 57, 75, 99, 182,
}

// lc are the coefficients of the linear function ℓ (GOST R 34.12-2015,
// 4.1.2), applied to the bytes of a block in the order they are stored.
var lc = [16]byte{148, 32, 133, 16, 194, 192, 1, 251, 1, 192, 194, 16, 133, 32, 148, 1}

// piInv is π⁻¹.
var piInv [256]byte

// half is a block as two 64-bit words: bytes 0..7 and 8..15 of the block,
// each loaded little-endian. The packing is internal; only XOR is done on
// it.
type half [2]uint64

// encT[i][v] is L(S(x)) for the block x that is zero except byte i = v:
// one round of encryption is the XOR of encT[i][x_i] over the 16 bytes.
// decT[i][v] is L⁻¹ of the block that is zero except byte i = π⁻¹(v).
var encT, decT [16][256]half

// linCols[j] and linInvCols[j] are L and L⁻¹ of the block with only bit j
// set (bit j%8 of byte j/8): the columns of L and L⁻¹ as 128×128 bit
// matrices, for the constant-time path.
var linCols, linInvCols [128]half

// roundC are the key schedule constants C_i = L(Vec128(i)), i = 1..32.
var roundC [32]half

func init() {
	for i, v := range pi {
		piInv[v] = byte(i)
	}
	for i := 0; i < 16; i++ {
		for v := 0; v < 256; v++ {
			var b [16]byte
			b[i] = pi[v]
			lin(&b)
			encT[i][v] = pack(&b)
			b = [16]byte{}
			b[i] = piInv[v]
			linInv(&b)
			decT[i][v] = pack(&b)
		}
	}
	for j := 0; j < 128; j++ {
		var b [16]byte
		b[j/8] = 1 << (j % 8)
		lin(&b)
		linCols[j] = pack(&b)
		b = [16]byte{}
		b[j/8] = 1 << (j % 8)
		linInv(&b)
		linInvCols[j] = pack(&b)
	}
	for i := range roundC {
		var b [16]byte
		b[15] = byte(i + 1)
		lin(&b)
		roundC[i] = pack(&b)
	}
}

// gfMul multiplies in GF(2⁸) modulo x⁸+x⁷+x⁶+x+1. It branches on its
// operands and serves only to build the public tables above.
func gfMul(a, b byte) byte {
	var p byte
	for b != 0 {
		if b&1 != 0 {
			p ^= a
		}
		hi := a & 0x80
		a <<= 1
		if hi != 0 {
			a ^= 0xc3
		}
		b >>= 1
	}
	return p
}

// lin applies L = R¹⁶ (GOST R 34.12-2015, 4.1.2) in place. Byte 0 of the
// block is a₁₅, the most significant byte of the standard's notation.
func lin(b *[16]byte) {
	for r := 0; r < 16; r++ {
		var x byte
		for i := 0; i < 16; i++ {
			x ^= gfMul(b[i], lc[i])
		}
		copy(b[1:], b[:15])
		b[0] = x
	}
}

// linInv applies L⁻¹ in place.
func linInv(b *[16]byte) {
	for r := 0; r < 16; r++ {
		x := b[0]
		for i := 0; i < 15; i++ {
			b[i] = b[i+1]
			x ^= gfMul(b[i], lc[i])
		}
		b[15] = x
	}
}

func pack(b *[16]byte) half {
	var h half
	for i := 0; i < 8; i++ {
		h[0] |= uint64(b[i]) << (8 * i)
		h[1] |= uint64(b[8+i]) << (8 * i)
	}
	return h
}
