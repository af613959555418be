//go:build ignore

// This file is a template: gen_curves.sh writes one concrete copy per
// residue size and field type (curve_*_generated.go), because method calls
// through type parameters are indirect and defeat inlining and escape
// analysis in the hot loops.

package gost

// Scalar multiplication of the base point.
//
// A comb of signed 5-bit windows: table[i][j-1] = j·32^i·G (j = 1..16) in
// affine form, and a scalar k is recoded into digits k_i in [-15, 16] with
// k = Σ k_i·32^i, so that k·G = Σ ±table[i][|k_i| - 1] with no doublings.
// For a secret k every table row is scanned in full with masks, the
// negation is a masked select, and the addition is always computed then
// kept or dropped with a mask: neither branches nor memory addresses
// depend on k. Verification uses the same table, indexed directly.

// baseTable returns the comb table, building it on first use.
func (c *curveArith[E, FP, FQ]) baseTable() []combRow[E] {
	c.tableOnce.Do(c.buildTable)
	return c.table
}

// combWindows is the number of digits of a recoded scalar; the top window
// never carries out because scalars are below 2^bitLen.
func (c *curveArith[E, FP, FQ]) combWindows() int {
	return (c.fq.bitLen() + combBits - 1) / combBits
}

func (c *curveArith[E, FP, FQ]) buildTable() {
	s := new(scratch[E])
	n := c.combWindows()
	pts := make([]point[E], n*combWidth)
	var base point[E]
	c.fromAffine(&base, &c.g)
	for i := 0; i < n; i++ {
		row := pts[i*combWidth : (i+1)*combWidth]
		row[0] = base
		for j := 1; j < combWidth; j++ {
			c.add(&row[j], &row[j-1], &base, s)
		}
		// 32·base = 2·(16·base).
		c.double(&base, &row[combWidth-1], s)
	}
	// Batch inversion of the Z coordinates (Montgomery's trick): none is
	// zero, since no j·32^i (j <= 16) is a multiple of the prime q.
	prefix := make([]E, len(pts))
	prefix[0] = pts[0].z
	for i := 1; i < len(pts); i++ {
		c.fp.mul(&prefix[i], &prefix[i-1], &pts[i].z)
	}
	inv := new(E)
	c.fp.inv(inv, &prefix[len(pts)-1])
	table := make([]combRow[E], n)
	zinv := new(E)
	for i := len(pts) - 1; i >= 0; i-- {
		if i > 0 {
			c.fp.mul(zinv, inv, &prefix[i-1])
			c.fp.mul(inv, inv, &pts[i].z)
		} else {
			*zinv = *inv
		}
		e := &table[i/combWidth][i%combWidth]
		c.fp.mul(&e.x, &pts[i].x, zinv)
		c.fp.mul(&e.y, &pts[i].y, zinv)
	}
	c.table = table
}

// scalarBaseMult sets r = k·G for a plain scalar k < 2^bitLen, in constant
// time.
func (c *curveArith[E, FP, FQ]) scalarBaseMult(r *point[E], k *E) {
	tab := c.baseTable()
	s := new(scratch[E])
	e := new(affine[E])
	t := new(point[E])
	ny := new(E)
	c.setInfinity(r)
	var carry uint64
	for i := range tab {
		var mag, neg uint64
		mag, neg, carry = recodeDigit(c.fq.window(k, i*combBits, combBits) + carry)
		row := &tab[i]
		var zero E
		e.x, e.y = zero, zero
		for j := 0; j < combWidth; j++ {
			m := ctEq(mag, uint64(j+1))
			c.fp.cmov(&e.x, &row[j].x, m)
			c.fp.cmov(&e.y, &row[j].y, m)
		}
		c.fp.neg(ny, &e.y)
		c.fp.cmov(&e.y, ny, neg)
		c.addMixed(t, r, e, s)
		c.cmovPoint(r, t, 1^ctEq(mag, 0))
	}
}
