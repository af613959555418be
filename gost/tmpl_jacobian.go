//go:build ignore

// This file is a template: gen_curves.sh writes one concrete copy per
// residue size and field type (curve_*_generated.go), because method calls
// through type parameters are indirect and defeat inlining and escape
// analysis in the hot loops.

package gost

// Variable-time arithmetic for verification, which handles public data
// only. Points are in Jacobian coordinates (X:Y:Z), x = X/Z², y = Y/Z³,
// with Z = 0 for the point at infinity; the formulas are those of the
// Explicit-Formulas Database (hyperelliptic.org/EFD, short Weierstrass,
// Jacobian): dbl-2001-b for a = -3, dbl-2007-bl otherwise, add-2007-bl and
// madd-2007-bl. Their exceptional cases (equal or opposite inputs, the
// point at infinity) are handled by branches.

// jacIsInfinity reports whether p is the point at infinity.
func (c *curveArith[E, FP, FQ]) jacIsInfinity(p *point[E]) bool {
	return c.fp.isZero(&p.z) == 1
}

// jacDouble sets r = 2p. r may alias p.
func (c *curveArith[E, FP, FQ]) jacDouble(r, p *point[E], s *scratch[E]) {
	f := c.fp
	t0, t1, t2, t3, t4, _, x3, y3, z3 := s.regs()
	if c.aMinus3 {
		f.sqr(t0, &p.z)       // delta
		f.sqr(t1, &p.y)       // gamma
		f.mul(t2, &p.x, t1)   // beta
		f.sub(t3, &p.x, t0)   // X1 - delta
		f.add(t4, &p.x, t0)   // X1 + delta
		f.mul(t3, t3, t4)     //
		f.add(t4, t3, t3)     //
		f.add(t3, t4, t3)     // alpha = 3(X1-delta)(X1+delta)
		f.add(z3, &p.y, &p.z) //
		f.sqr(z3, z3)         //
		f.sub(z3, z3, t1)     //
		f.sub(z3, z3, t0)     // Z3 = (Y1+Z1)² - gamma - delta
		f.add(t2, t2, t2)     // 2 beta
		f.add(t2, t2, t2)     // 4 beta
		f.sqr(x3, t3)         //
		f.sub(x3, x3, t2)     //
		f.sub(x3, x3, t2)     // X3 = alpha² - 8 beta
		f.sub(t2, t2, x3)     // 4 beta - X3
		f.mul(y3, t3, t2)     //
		f.sqr(t1, t1)         // gamma²
		f.add(t1, t1, t1)     //
		f.add(t1, t1, t1)     //
		f.add(t1, t1, t1)     // 8 gamma²
		f.sub(y3, y3, t1)     // Y3
	} else {
		f.sqr(t0, &p.x)       // XX
		f.sqr(t1, &p.y)       // YY
		f.sqr(t2, t1)         // YYYY
		f.sqr(t3, &p.z)       // ZZ
		f.add(t4, &p.x, t1)   //
		f.sqr(t4, t4)         //
		f.sub(t4, t4, t0)     //
		f.sub(t4, t4, t2)     //
		f.add(t4, t4, t4)     // S
		f.add(z3, &p.y, &p.z) //
		f.sqr(z3, z3)         //
		f.sub(z3, z3, t1)     //
		f.sub(z3, z3, t3)     // Z3 = (Y1+Z1)² - YY - ZZ
		f.sqr(t3, t3)         // ZZ²
		f.mul(t3, &c.a, t3)   // a·ZZ²
		f.add(t1, t0, t0)     //
		f.add(t1, t1, t0)     // 3 XX
		f.add(t1, t1, t3)     // M
		f.sqr(x3, t1)         //
		f.sub(x3, x3, t4)     //
		f.sub(x3, x3, t4)     // X3 = T = M² - 2S
		f.sub(t4, t4, x3)     // S - T
		f.mul(y3, t1, t4)     //
		f.add(t2, t2, t2)     //
		f.add(t2, t2, t2)     //
		f.add(t2, t2, t2)     // 8 YYYY
		f.sub(y3, y3, t2)     // Y3
	}
	r.x, r.y, r.z = *x3, *y3, *z3
}

// jacAdd sets r = p + q. r may alias p or q.
func (c *curveArith[E, FP, FQ]) jacAdd(r, p, q *point[E], s *scratch[E]) {
	if c.jacIsInfinity(p) {
		*r = *q
		return
	}
	if c.jacIsInfinity(q) {
		*r = *p
		return
	}
	f := c.fp
	z1z1, z2z2, u1, u2, s1, s2, x3, y3, z3 := s.regs()
	f.sqr(z1z1, &p.z)
	f.sqr(z2z2, &q.z)
	f.mul(u1, &p.x, z2z2)
	f.mul(u2, &q.x, z1z1)
	f.mul(s1, &p.y, &q.z)
	f.mul(s1, s1, z2z2)
	f.mul(s2, &q.y, &p.z)
	f.mul(s2, s2, z1z1)
	f.sub(u2, u2, u1) // H
	f.sub(s2, s2, s1) // S2 - S1
	if f.isZero(u2) == 1 {
		if f.isZero(s2) == 1 {
			c.jacDouble(r, p, s)
			return
		}
		c.setInfinity(r)
		return
	}
	f.add(z3, &p.z, &q.z)
	f.sqr(z3, z3)
	f.sub(z3, z3, z1z1)
	f.sub(z3, z3, z2z2)
	f.mul(z3, z3, u2)     // Z3
	f.add(z1z1, u2, u2)   //
	f.sqr(z1z1, z1z1)     // I = (2H)²
	f.mul(z2z2, u2, z1z1) // J = H·I
	f.add(s2, s2, s2)     // r
	f.mul(u1, u1, z1z1)   // V = U1·I
	f.sqr(x3, s2)
	f.sub(x3, x3, z2z2)
	f.sub(x3, x3, u1)
	f.sub(x3, x3, u1) // X3 = r² - J - 2V
	f.sub(u1, u1, x3)
	f.mul(y3, s2, u1)
	f.mul(s1, s1, z2z2)
	f.add(s1, s1, s1)
	f.sub(y3, y3, s1) // Y3 = r(V - X3) - 2 S1 J
	r.x, r.y, r.z = *x3, *y3, *z3
}

// jacAddAffine sets r = p + q for an affine q. r may alias p.
func (c *curveArith[E, FP, FQ]) jacAddAffine(r, p *point[E], q *affine[E], s *scratch[E]) {
	if c.jacIsInfinity(p) {
		c.fromAffine(r, q)
		return
	}
	f := c.fp
	z1z1, u2, s2, hh, j, v, x3, y3, z3 := s.regs()
	f.sqr(z1z1, &p.z)
	f.mul(u2, &q.x, z1z1)
	f.mul(s2, &q.y, &p.z)
	f.mul(s2, s2, z1z1)
	f.sub(u2, u2, &p.x) // H
	f.sub(s2, s2, &p.y) // S2 - Y1
	if f.isZero(u2) == 1 {
		if f.isZero(s2) == 1 {
			c.jacDouble(r, p, s)
			return
		}
		c.setInfinity(r)
		return
	}
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
}

// mulDoubleVartime sets r = u1·G + u2·Q for plain public scalars u1 and
// u2 by interleaved NAFs sharing one chain of doublings: width 7 for G,
// whose odd multiples are precomputed in affine form, width 5 for Q.
func (c *curveArith[E, FP, FQ]) mulDoubleVartime(r *point[E], u1 *E, q *affine[E], u2 *E) {
	s := new(scratch[E])
	c.baseTable()
	gOdd := c.gOdd

	// Odd multiples Q, 3Q, ..., 15Q.
	const wq = 5
	var pre [1 << (wq - 2)]point[E]
	c.fromAffine(&pre[0], q)
	q2 := new(point[E])
	c.jacDouble(q2, &pre[0], s)
	for j := 1; j < len(pre); j++ {
		c.jacAdd(&pre[j], &pre[j-1], q2, s)
	}
	d1 := wnaf(c.scalarWords(u1), gOddBits)
	d2 := wnaf(c.scalarWords(u2), wq)

	c.setInfinity(r)
	e := new(affine[E])
	neg := new(point[E])
	for i := max(len(d1), len(d2)) - 1; i >= 0; i-- {
		c.jacDouble(r, r, s)
		if i < len(d1) && d1[i] != 0 {
			if d := d1[i]; d > 0 {
				c.jacAddAffine(r, r, &gOdd[d/2], s)
			} else {
				*e = gOdd[(-d)/2]
				c.fp.neg(&e.y, &e.y)
				c.jacAddAffine(r, r, e, s)
			}
		}
		if i < len(d2) && d2[i] != 0 {
			if d := d2[i]; d > 0 {
				c.jacAdd(r, r, &pre[d/2], s)
			} else {
				*neg = pre[(-d)/2]
				c.fp.neg(&neg.y, &neg.y)
				c.jacAdd(r, r, neg, s)
			}
		}
	}
}

// scalarWords returns the plain scalar k as little-endian words with one
// spare top word, the input wnaf needs.
func (c *curveArith[E, FP, FQ]) scalarWords(k *E) []uint64 {
	kb := make([]byte, c.size)
	c.fq.toLE(kb, k)
	words := make([]uint64, c.size/8+1)
	for i := range kb {
		words[i/8] |= uint64(kb[i]) << (8 * uint(i%8))
	}
	return words
}

// jacXEquals reports whether the affine x of the Jacobian p, reduced mod
// q, equals the plain r < q: whether X = x·Z² for some x = r + j·q < p.
// This avoids an inversion.
func (c *curveArith[E, FP, FQ]) jacXEquals(p *point[E], r *E) bool {
	f := c.fp
	if c.jacIsInfinity(p) {
		return false
	}
	zz, xm, t := new(E), new(E), new(E)
	f.sqr(zz, &p.z)
	cand := *r
	for f.less(&cand) == 1 {
		f.toMont(xm, &cand)
		f.mul(t, xm, zz)
		if f.equal(t, &p.x) == 1 {
			return true
		}
		if f.addPlain(&cand, &cand, &c.qPlain) != 0 {
			break
		}
	}
	return false
}
