//go:build ignore

// This file is a template: gen_curves.sh writes one concrete copy per
// residue size and field type (curve_*_generated.go), because method calls
// through type parameters are indirect and defeat inlining and escape
// analysis in the hot loops.

package gost

// Arithmetic on the twisted Edwards form u² + v² = 1 + d·u²v² of the
// parameter sets that have one (TC26 256 A and 512 C; RFC 7836 gives the
// form and the map x = s(1+v)/(1-v) + t, y = s(1+v)/((1-v)u)). Keys,
// signatures and encodings stay in Weierstrass form; only the scalar
// multiplications run here. With e = 1 a square and d a non-square the
// extended-coordinate formulas of Hisil, Wong, Carter and Dawson
// (add-2008-hwcd, dbl-2008-hwcd) are complete: no input is exceptional,
// the identity (0, 1) included, so signing needs neither branches nor a
// fallback.

// eIdentity sets p to the identity (0:1:0:1).
func (c *curveArith[E, FP, FQ]) eIdentity(p *epoint[E]) {
	var zero E
	p.x, p.t = zero, zero
	c.fp.setOne(&p.y)
	c.fp.setOne(&p.z)
}

// eAddAffine sets r = p + q for an affine q (8M). r may alias p.
func (c *curveArith[E, FP, FQ]) eAddAffine(r, p *epoint[E], q *eaffine[E], s *scratch[E]) {
	c.eAddAffineT(r, p, q, s, true)
}

// eAddAffineT is eAddAffine that computes T only when withT is set, for a
// sum that only a doubling reads next. withT must not depend on secrets.
func (c *curveArith[E, FP, FQ]) eAddAffineT(r, p *epoint[E], q *eaffine[E], s *scratch[E], withT bool) {
	f := c.fp
	a, b, cc, e, ff, g, h, t, _, _ := s.regs10()
	f.mul(a, &p.x, &q.x)
	f.mul(b, &p.y, &q.y)
	f.mul(cc, &p.t, &q.dt)
	f.add(e, &p.x, &p.y)
	f.add(t, &q.x, &q.y)
	f.mul(e, e, t)
	f.sub(e, e, a)
	f.sub(e, e, b)      // E = (X1+Y1)(u2+v2) - A - B
	f.sub(ff, &p.z, cc) // F = Z1 - C
	f.add(g, &p.z, cc)  // G = Z1 + C
	f.sub(h, b, a)      // H = B - e·A, e = 1
	f.mul(&r.x, e, ff)
	f.mul(&r.y, g, h)
	if withT {
		f.mul(&r.t, e, h)
	}
	f.mul(&r.z, ff, g)
}

// eAddCached sets r = p + q (9M). r may alias p.
func (c *curveArith[E, FP, FQ]) eAddCached(r, p *epoint[E], q *ecached[E], s *scratch[E]) {
	c.eAddCachedT(r, p, q, s, true)
}

// eAddCachedT is eAddCached that computes T only when withT is set.
func (c *curveArith[E, FP, FQ]) eAddCachedT(r, p *epoint[E], q *ecached[E], s *scratch[E], withT bool) {
	f := c.fp
	a, b, cc, d, e, ff, g, h, t, _ := s.regs10()
	f.mul(a, &p.x, &q.x)
	f.mul(b, &p.y, &q.y)
	f.mul(cc, &p.t, &q.dt)
	f.mul(d, &p.z, &q.z)
	f.add(e, &p.x, &p.y)
	f.add(t, &q.x, &q.y)
	f.mul(e, e, t)
	f.sub(e, e, a)
	f.sub(e, e, b)
	f.sub(ff, d, cc)
	f.add(g, d, cc)
	f.sub(h, b, a)
	f.mul(&r.x, e, ff)
	f.mul(&r.y, g, h)
	if withT {
		f.mul(&r.t, e, h)
	}
	f.mul(&r.z, ff, g)
}

// eDouble sets r = 2p (4M + 4S). r may alias p.
func (c *curveArith[E, FP, FQ]) eDouble(r, p *epoint[E], s *scratch[E]) {
	c.eDoubleT(r, p, s, true)
}

// eDoubleT is eDouble that computes T only when withT is set (3M + 4S
// otherwise), for a doubling followed by another doubling, which does not
// read T. withT must not depend on secrets.
func (c *curveArith[E, FP, FQ]) eDoubleT(r, p *epoint[E], s *scratch[E], withT bool) {
	f := c.fp
	a, b, cc, e, ff, g, h, _, _, _ := s.regs10()
	f.sqr(a, &p.x)
	f.sqr(b, &p.y)
	f.sqr(cc, &p.z)
	f.add(cc, cc, cc) // C = 2 Z1²
	f.add(e, &p.x, &p.y)
	f.sqr(e, e)
	f.sub(e, e, a)
	f.sub(e, e, b) // E = (X1+Y1)² - A - B
	f.add(g, a, b) // G = e·A + B
	f.sub(ff, g, cc)
	f.sub(h, a, b) // H = e·A - B
	f.mul(&r.x, e, ff)
	f.mul(&r.y, g, h)
	if withT {
		f.mul(&r.t, e, h)
	}
	f.mul(&r.z, ff, g)
}

// eCache returns p with d·T for eAddCached.
func (c *curveArith[E, FP, FQ]) eCache(q *ecached[E], p *epoint[E]) {
	q.x, q.y, q.z = p.x, p.y, p.z
	c.fp.mul(&q.dt, &p.t, &c.ed)
}

// eFromWeierstrass sets p to the Edwards image of the affine Weierstrass
// point (x, y): u = (x-t)/y, v = (x-t-s)/(x-t+s), over the common
// denominator y(x-t+s), so without an inversion. y must not be zero.
func (c *curveArith[E, FP, FQ]) eFromWeierstrass(p *epoint[E], x, y *E) {
	f := c.fp
	var a, ap, am, u, v, z E
	f.sub(&a, x, &c.et)
	f.add(&ap, &a, &c.es)
	f.sub(&am, &a, &c.es)
	f.mul(&u, &a, &ap)
	f.mul(&v, &am, y)
	f.mul(&z, y, &ap)
	f.mul(&p.x, &u, &z)
	f.mul(&p.y, &v, &z)
	f.mul(&p.t, &u, &v)
	f.sqr(&p.z, &z)
}

// eToWeierstrass sets (x, y) to the affine Weierstrass image of p, which
// must not be the identity nor (0, -1): w = 1/((Z-Y)X), x = s(Z+Y)X·w + t,
// y = s(Z+Y)Z·w. Constant time.
func (c *curveArith[E, FP, FQ]) eToWeierstrass(x, y *E, p *epoint[E]) {
	f := c.fp
	var zm, zp, w, t E
	f.sub(&zm, &p.z, &p.y)
	f.add(&zp, &p.z, &p.y)
	f.mul(&w, &zm, &p.x)
	f.inv(&w, &w)
	f.mul(&zp, &zp, &c.es)
	f.mul(&zp, &zp, &w)
	f.mul(&t, &zp, &p.x)
	f.add(x, &t, &c.et)
	f.mul(y, &zp, &p.z)
}

// eBaseTables returns the Edwards comb table and odd multiples of G,
// building them on first use.
func (c *curveArith[E, FP, FQ]) eBaseTables() ([]ecombRow[E], []eaffine[E]) {
	c.eTableOnce.Do(c.eBuildTables)
	return c.eTable, c.eGOdd
}

func (c *curveArith[E, FP, FQ]) eBuildTables() {
	s := new(scratch[E])
	n := c.combWindows()
	pts := make([]epoint[E], n*combWidth+gOddCount)
	var base epoint[E]
	var cb ecached[E]
	c.eFromWeierstrass(&base, &c.g.x, &c.g.y)
	for i := 0; i < n; i++ {
		row := pts[i*combWidth : (i+1)*combWidth]
		row[0] = base
		c.eCache(&cb, &base)
		for j := 1; j < combWidth; j++ {
			c.eAddCached(&row[j], &row[j-1], &cb, s)
		}
		c.eDouble(&base, &row[combWidth-1], s)
	}
	odd := pts[n*combWidth:]
	c.eFromWeierstrass(&odd[0], &c.g.x, &c.g.y)
	var g2 epoint[E]
	c.eDouble(&g2, &odd[0], s)
	c.eCache(&cb, &g2)
	for j := 1; j < gOddCount; j++ {
		c.eAddCached(&odd[j], &odd[j-1], &cb, s)
	}
	// Batch inversion of Z (never zero for Edwards points).
	prefix := make([]E, len(pts))
	prefix[0] = pts[0].z
	for i := 1; i < len(pts); i++ {
		c.fp.mul(&prefix[i], &prefix[i-1], &pts[i].z)
	}
	inv, zinv := new(E), new(E)
	c.fp.inv(inv, &prefix[len(pts)-1])
	aff := make([]eaffine[E], len(pts))
	for i := len(pts) - 1; i >= 0; i-- {
		if i > 0 {
			c.fp.mul(zinv, inv, &prefix[i-1])
			c.fp.mul(inv, inv, &pts[i].z)
		} else {
			*zinv = *inv
		}
		e := &aff[i]
		c.fp.mul(&e.x, &pts[i].x, zinv)
		c.fp.mul(&e.y, &pts[i].y, zinv)
		c.fp.mul(&e.dt, &e.x, &e.y)
		c.fp.mul(&e.dt, &e.dt, &c.ed)
	}
	table := make([]ecombRow[E], n)
	for i := range table {
		copy(table[i][:], aff[i*combWidth:(i+1)*combWidth])
	}
	c.eTable = table
	c.eGOdd = aff[n*combWidth:]
}

// eScalarBaseMult sets (x, y) to the affine Weierstrass k·G for a plain
// scalar 0 < k < q, in constant time: the signed comb of scalarBaseMult
// with complete Edwards additions, where a zero digit adds the identity.
func (c *curveArith[E, FP, FQ]) eScalarBaseMult(x, y *E, k *E) {
	tab, _ := c.eBaseTables()
	s := new(scratch[E])
	e := new(eaffine[E])
	acc := new(epoint[E])
	nv := new(E)
	var zero, one E
	c.fp.setOne(&one)
	c.eIdentity(acc)
	var carry uint64
	for i := range tab {
		var mag, neg uint64
		mag, neg, carry = recodeDigit(c.fq.window(k, i*combBits, combBits) + carry)
		row := &tab[i]
		e.x, e.y, e.dt = zero, one, zero
		for j := 0; j < combWidth; j++ {
			m := ctEq(mag, uint64(j+1))
			c.fp.cmov(&e.x, &row[j].x, m)
			c.fp.cmov(&e.y, &row[j].y, m)
			c.fp.cmov(&e.dt, &row[j].dt, m)
		}
		// -(u, v) = (-u, v).
		c.fp.neg(nv, &e.x)
		c.fp.cmov(&e.x, nv, neg)
		c.fp.neg(nv, &e.dt)
		c.fp.cmov(&e.dt, nv, neg)
		c.eAddAffine(acc, acc, e, s)
	}
	c.eToWeierstrass(x, y, acc)
}

// eMulDoubleVartime sets r = u1·G + u2·Q by interleaved NAFs, as
// mulDoubleVartime does in Weierstrass form. Q is affine Weierstrass.
func (c *curveArith[E, FP, FQ]) eMulDoubleVartime(r *epoint[E], u1 *E, q *affine[E], u2 *E) {
	s := new(scratch[E])
	_, gOdd := c.eBaseTables()

	const wq = 5
	var pre [1 << (wq - 2)]ecached[E]
	var qe, acc, q2 epoint[E]
	c.eFromWeierstrass(&qe, &q.x, &q.y)
	c.eCache(&pre[0], &qe)
	c.eDouble(&q2, &qe, s)
	var q2c ecached[E]
	c.eCache(&q2c, &q2)
	acc = qe
	for j := 1; j < len(pre); j++ {
		c.eAddCached(&acc, &acc, &q2c, s)
		c.eCache(&pre[j], &acc)
	}
	d1 := wnaf(c.scalarWords(u1), gOddBits)
	d2 := wnaf(c.scalarWords(u2), wq)

	c.eIdentity(r)
	e := new(eaffine[E])
	nc := new(ecached[E])
	for i := max(len(d1), len(d2)) - 1; i >= 0; i-- {
		// T is computed only where an addition reads it next.
		add1 := i < len(d1) && d1[i] != 0
		add2 := i < len(d2) && d2[i] != 0
		c.eDoubleT(r, r, s, add1 || add2)
		if add1 {
			if d := d1[i]; d > 0 {
				c.eAddAffineT(r, r, &gOdd[d/2], s, add2)
			} else {
				*e = gOdd[(-d)/2]
				c.fp.neg(&e.x, &e.x)
				c.fp.neg(&e.dt, &e.dt)
				c.eAddAffineT(r, r, e, s, add2)
			}
		}
		if add2 {
			if d := d2[i]; d > 0 {
				c.eAddCachedT(r, r, &pre[d/2], s, false)
			} else {
				*nc = pre[(-d)/2]
				c.fp.neg(&nc.x, &nc.x)
				c.fp.neg(&nc.dt, &nc.dt)
				c.eAddCachedT(r, r, nc, s, false)
			}
		}
	}
}

// eXEquals reports whether the Weierstrass x of the Edwards p, reduced mod
// q, equals the plain r < q: whether (x - t)(Z - Y) = s(Z + Y) for some
// x = r + j·q < p. Points with Z = Y (the identity) have no Weierstrass x.
func (c *curveArith[E, FP, FQ]) eXEquals(p *epoint[E], r *E) bool {
	f := c.fp
	var zm, rhs, xm, lhs E
	f.sub(&zm, &p.z, &p.y)
	if f.isZero(&zm) == 1 {
		return false
	}
	f.add(&rhs, &p.z, &p.y)
	f.mul(&rhs, &rhs, &c.es)
	cand := *r
	for f.less(&cand) == 1 {
		f.toMont(&xm, &cand)
		f.sub(&xm, &xm, &c.et)
		f.mul(&lhs, &xm, &zm)
		if f.equal(&lhs, &rhs) == 1 {
			return true
		}
		if f.addPlain(&cand, &cand, &c.qPlain) != 0 {
			break
		}
	}
	return false
}
