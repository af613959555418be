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
// depend on k. buildTable also makes the odd multiples of G that
// verification's NAF uses (mulDoubleVartime). Curves with a twisted
// Edwards form use the Edwards tables of tmpl_edwards.go instead.

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
	// The comb rows, then the odd multiples G, 3G, ..., for verification.
	pts := make([]point[E], n*combWidth+gOddCount)
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
	odd := pts[n*combWidth:]
	c.fromAffine(&odd[0], &c.g)
	var g2 point[E]
	c.double(&g2, &odd[0], s)
	for j := 1; j < gOddCount; j++ {
		c.add(&odd[j], &odd[j-1], &g2, s)
	}
	// Batch inversion of the Z coordinates (Montgomery's trick): none is
	// zero, since no j·32^i (j <= 16) nor odd j < 2·gOddCount is a multiple
	// of the prime q.
	prefix := make([]E, len(pts))
	prefix[0] = pts[0].z
	for i := 1; i < len(pts); i++ {
		c.fp.mul(&prefix[i], &prefix[i-1], &pts[i].z)
	}
	inv := new(E)
	c.fp.inv(inv, &prefix[len(pts)-1])
	aff := make([]affine[E], len(pts))
	zinv := new(E)
	for i := len(pts) - 1; i >= 0; i-- {
		if i > 0 {
			c.fp.mul(zinv, inv, &prefix[i-1])
			c.fp.mul(inv, inv, &pts[i].z)
		} else {
			*zinv = *inv
		}
		c.fp.mul(&aff[i].x, &pts[i].x, zinv)
		c.fp.mul(&aff[i].y, &pts[i].y, zinv)
	}
	table := make([]combRow[E], n)
	for i := range table {
		copy(table[i][:], aff[i*combWidth:(i+1)*combWidth])
	}
	c.table = table
	c.gOdd = aff[n*combWidth:]
}

// scalarBaseMult sets (x, y) to the affine k·G, in Montgomery form, for a
// plain scalar 0 < k < q, in constant time.
//
// The fast path adds table points in Jacobian coordinates (7M + 4S per
// addition instead of the 11M + 3a + 2b of the complete formulas). Those
// formulas fail when the running sum equals plus or minus the table point,
// which the signed digits rule out except for a few scalars in the top
// windows, found by chance with negligible probability; the path records
// that case with a mask and the scalar is then redone with the complete
// formulas. The only branch is on that flag.
func (c *curveArith[E, FP, FQ]) scalarBaseMult(x, y *E, k *E) {
	if c.edwards {
		c.eScalarBaseMult(x, y, k)
		return
	}
	if c.combJacobian(x, y, k) {
		return
	}
	var p point[E]
	c.combComplete(&p, k)
	c.toAffine(x, y, &p)
}

// lookupComb sets e to sign·table[i][mag-1] (zeros when mag is 0),
// scanning the whole row.
func (c *curveArith[E, FP, FQ]) lookupComb(e *affine[E], row *combRow[E], mag, neg uint64, ny *E) {
	var zero E
	e.x, e.y = zero, zero
	for j := 0; j < combWidth; j++ {
		m := ctEq(mag, uint64(j+1))
		c.fp.cmov(&e.x, &row[j].x, m)
		c.fp.cmov(&e.y, &row[j].y, m)
	}
	c.fp.neg(ny, &e.y)
	c.fp.cmov(&e.y, ny, neg)
}

// combJacobian is the fast path of scalarBaseMult; it returns false when
// the result is unusable.
func (c *curveArith[E, FP, FQ]) combJacobian(x, y *E, k *E) bool {
	tab := c.baseTable()
	s := new(scratch[E])
	e := new(affine[E])
	t := new(point[E])
	acc := new(point[E])
	ny := new(E)
	one := new(E)
	c.fp.setOne(one)
	c.setInfinity(acc)
	inf := uint64(1) // acc is the point at infinity
	bad := uint64(0) // an exceptional addition happened
	var carry uint64
	for i := range tab {
		var mag, neg uint64
		mag, neg, carry = recodeDigit(c.fq.window(k, i*combBits, combBits) + carry)
		c.lookupComb(e, &tab[i], mag, neg, ny)
		hZero := c.jacAddAffineCT(t, acc, e, s)
		nz := 1 ^ ctEq(mag, 0)
		bad |= hZero & nz & (1 ^ inf)
		useT := nz & (1 ^ inf)
		useE := nz & inf
		c.cmovPoint(acc, t, useT)
		c.fp.cmov(&acc.x, &e.x, useE)
		c.fp.cmov(&acc.y, &e.y, useE)
		c.fp.cmov(&acc.z, one, useE)
		inf &= 1 ^ nz
	}
	zi, zi2 := new(E), new(E)
	c.fp.inv(zi, &acc.z)
	c.fp.sqr(zi2, zi)
	c.fp.mul(x, &acc.x, zi2)
	c.fp.mul(zi2, zi2, zi)
	c.fp.mul(y, &acc.y, zi2)
	return bad|inf == 0
}

// jacAddAffineCT sets r = p + q for a Jacobian p and an affine q by
// madd-2007-bl, without branches, and returns 1 when the formula does not
// apply (p = ±q, where H = 0) and 0 otherwise. r may alias p.
func (c *curveArith[E, FP, FQ]) jacAddAffineCT(r, p *point[E], q *affine[E], s *scratch[E]) uint64 {
	f := c.fp
	z1z1, u2, s2, hh, j, v, x3, y3, z3 := s.regs()
	f.sqr(z1z1, &p.z)
	f.mul(u2, &q.x, z1z1)
	f.mul(s2, &q.y, &p.z)
	f.mul(s2, s2, z1z1)
	f.sub(u2, u2, &p.x) // H
	f.sub(s2, s2, &p.y) // S2 - Y1
	hZero := f.isZero(u2)
	f.sqr(hh, u2)
	f.add(z3, &p.z, u2)
	f.sqr(z3, z3)
	f.sub(z3, z3, z1z1)
	f.sub(z3, z3, hh) // Z3 = (Z1+H)² - Z1Z1 - HH
	f.add(hh, hh, hh)
	f.add(hh, hh, hh) // I = 4 HH
	f.mul(j, u2, hh)  // J = H·I
	f.add(s2, s2, s2) // r
	f.mul(v, &p.x, hh)
	f.sqr(x3, s2)
	f.sub(x3, x3, j)
	f.sub(x3, x3, v)
	f.sub(x3, x3, v) // X3 = r² - J - 2V
	f.sub(v, v, x3)
	f.mul(y3, s2, v)
	f.mul(j, j, &p.y)
	f.add(j, j, j)
	f.sub(y3, y3, j) // Y3 = r(V - X3) - 2 Y1 J
	r.x, r.y, r.z = *x3, *y3, *z3
	return hZero
}

// combComplete sets r = k·G with the complete projective formulas: the
// fallback of scalarBaseMult, equally constant time.
func (c *curveArith[E, FP, FQ]) combComplete(r *point[E], k *E) {
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
		c.lookupComb(e, &tab[i], mag, neg, ny)
		c.addMixed(t, r, e, s)
		c.cmovPoint(r, t, 1^ctEq(mag, 0))
	}
}
