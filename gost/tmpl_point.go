//go:build ignore

// This file is a template: gen_curves.sh writes one concrete copy per
// residue size and field type (curve_*_generated.go), because method calls
// through type parameters are indirect and defeat inlining and escape
// analysis in the hot loops.

package gost

// Point arithmetic on y² = x³ + ax + b in homogeneous projective
// coordinates (X:Y:Z), x = X/Z, y = Y/Z, with the complete formulas of
// Renes, Costello and Batina, "Complete addition formulas for prime order
// elliptic curves" (EUROCRYPT 2016), algorithms 1 (addition), 2 (mixed
// addition) and 3 (doubling) for a general a. The formulas have no
// exceptional cases for points of the prime-order subgroup, including the
// point at infinity (0:1:0), so they run without branches.
//
// All coordinates are in Montgomery form.

// setInfinity sets p to (0:1:0).
func (c *curveArith[E, FP, FQ]) setInfinity(p *point[E]) {
	var zero E
	p.x = zero
	c.fp.setOne(&p.y)
	p.z = zero
}

// fromAffine sets p to the projective form of a.
func (c *curveArith[E, FP, FQ]) fromAffine(p *point[E], a *affine[E]) {
	p.x = a.x
	p.y = a.y
	c.fp.setOne(&p.z)
}

// add sets r = p + q (algorithm 1). r may alias p or q.
func (c *curveArith[E, FP, FQ]) add(r, p, q *point[E], s *scratch[E]) {
	f := c.fp
	t0, t1, t2, t3, t4, t5, x3, y3, z3 := s.regs()
	f.mul(t0, &p.x, &q.x)
	f.mul(t1, &p.y, &q.y)
	f.mul(t2, &p.z, &q.z)
	f.add(t3, &p.x, &p.y)
	f.add(t4, &q.x, &q.y)
	f.mul(t3, t3, t4)
	f.add(t4, t0, t1)
	f.sub(t3, t3, t4)
	f.add(t4, &p.x, &p.z)
	f.add(t5, &q.x, &q.z)
	f.mul(t4, t4, t5)
	f.add(t5, t0, t2)
	f.sub(t4, t4, t5)
	f.add(t5, &p.y, &p.z)
	f.add(x3, &q.y, &q.z)
	f.mul(t5, t5, x3)
	f.add(x3, t1, t2)
	f.sub(t5, t5, x3)
	c.mulA(z3, t4, s)
	f.mul(x3, &c.b3, t2)
	f.add(z3, x3, z3)
	f.sub(x3, t1, z3)
	f.add(z3, t1, z3)
	f.mul(y3, x3, z3)
	f.add(t1, t0, t0)
	f.add(t1, t1, t0)
	c.mulA(t2, t2, s)
	f.mul(t4, &c.b3, t4)
	f.add(t1, t1, t2)
	f.sub(t2, t0, t2)
	c.mulA(t2, t2, s)
	f.add(t4, t4, t2)
	f.mul(t0, t1, t4)
	f.add(y3, y3, t0)
	f.mul(t0, t5, t4)
	f.mul(x3, t3, x3)
	f.sub(x3, x3, t0)
	f.mul(t0, t3, t1)
	f.mul(z3, t5, z3)
	f.add(z3, z3, t0)
	r.x, r.y, r.z = *x3, *y3, *z3
}

// addMixed sets r = p + q for an affine q (algorithm 2). r may alias p.
func (c *curveArith[E, FP, FQ]) addMixed(r, p *point[E], q *affine[E], s *scratch[E]) {
	f := c.fp
	t0, t1, t2, t3, t4, t5, x3, y3, z3 := s.regs()
	f.mul(t0, &p.x, &q.x)
	f.mul(t1, &p.y, &q.y)
	f.add(t3, &q.x, &q.y)
	f.add(t4, &p.x, &p.y)
	f.mul(t3, t3, t4)
	f.add(t4, t0, t1)
	f.sub(t3, t3, t4)
	f.mul(t4, &q.x, &p.z)
	f.add(t4, t4, &p.x)
	f.mul(t5, &q.y, &p.z)
	f.add(t5, t5, &p.y)
	c.mulA(z3, t4, s)
	f.mul(x3, &c.b3, &p.z)
	f.add(z3, x3, z3)
	f.sub(x3, t1, z3)
	f.add(z3, t1, z3)
	f.mul(y3, x3, z3)
	f.add(t1, t0, t0)
	f.add(t1, t1, t0)
	c.mulA(t2, &p.z, s)
	f.mul(t4, &c.b3, t4)
	f.add(t1, t1, t2)
	f.sub(t2, t0, t2)
	c.mulA(t2, t2, s)
	f.add(t4, t4, t2)
	f.mul(t0, t1, t4)
	f.add(y3, y3, t0)
	f.mul(t0, t5, t4)
	f.mul(x3, t3, x3)
	f.sub(x3, x3, t0)
	f.mul(t0, t3, t1)
	f.mul(z3, t5, z3)
	f.add(z3, z3, t0)
	r.x, r.y, r.z = *x3, *y3, *z3
}

// double sets r = 2p (algorithm 3). r may alias p.
func (c *curveArith[E, FP, FQ]) double(r, p *point[E], s *scratch[E]) {
	f := c.fp
	t0, t1, t2, t3, _, _, x3, y3, z3 := s.regs()
	f.sqr(t0, &p.x)
	f.sqr(t1, &p.y)
	f.sqr(t2, &p.z)
	f.mul(t3, &p.x, &p.y)
	f.add(t3, t3, t3)
	f.mul(z3, &p.x, &p.z)
	f.add(z3, z3, z3)
	c.mulA(x3, z3, s)
	f.mul(y3, &c.b3, t2)
	f.add(y3, x3, y3)
	f.sub(x3, t1, y3)
	f.add(y3, t1, y3)
	f.mul(y3, x3, y3)
	f.mul(x3, t3, x3)
	f.mul(z3, &c.b3, z3)
	c.mulA(t2, t2, s)
	f.sub(t3, t0, t2)
	c.mulA(t3, t3, s)
	f.add(t3, t3, z3)
	f.add(z3, t0, t0)
	f.add(t0, z3, t0)
	f.add(t0, t0, t2)
	f.mul(t0, t0, t3)
	f.add(y3, y3, t0)
	f.mul(t2, &p.y, &p.z)
	f.add(t2, t2, t2)
	f.mul(t0, t2, t3)
	f.sub(x3, x3, t0)
	f.mul(z3, t2, t1)
	f.add(z3, z3, z3)
	f.add(z3, z3, z3)
	r.x, r.y, r.z = *x3, *y3, *z3
}

// mulA sets z = a·x; for a = -3 (most parameter sets) three additions
// replace the multiplication. z may alias x.
func (c *curveArith[E, FP, FQ]) mulA(z, x *E, s *scratch[E]) {
	if !c.aMinus3 {
		c.fp.mul(z, &c.a, x)
		return
	}
	t := &s.t[9]
	c.fp.add(t, x, x)
	c.fp.add(t, t, x)
	c.fp.neg(z, t)
}

// cmovPoint sets r = p when cond is 1 and leaves r alone when it is 0.
func (c *curveArith[E, FP, FQ]) cmovPoint(r, p *point[E], cond uint64) {
	c.fp.cmov(&r.x, &p.x, cond)
	c.fp.cmov(&r.y, &p.y, cond)
	c.fp.cmov(&r.z, &p.z, cond)
}

// toAffine returns the affine coordinates of p in Montgomery form, and 0
// for the point at infinity (whose coordinates are then zero), 1 otherwise.
// It runs in constant time.
func (c *curveArith[E, FP, FQ]) toAffine(x, y *E, p *point[E]) uint64 {
	var zinv E
	c.fp.inv(&zinv, &p.z)
	c.fp.mul(x, &p.x, &zinv)
	c.fp.mul(y, &p.y, &zinv)
	return 1 ^ c.fp.isZero(&p.z)
}

// onCurve reports whether the affine (x, y), in Montgomery form, satisfies
// the curve equation.
func (c *curveArith[E, FP, FQ]) onCurve(x, y *E) bool {
	f := c.fp
	var lhs, rhs E
	f.sqr(&lhs, y)
	f.sqr(&rhs, x)
	f.add(&rhs, &rhs, &c.a)
	f.mul(&rhs, &rhs, x)
	f.add(&rhs, &rhs, &c.b)
	return f.equal(&lhs, &rhs) == 1
}
