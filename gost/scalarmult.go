package gost

// Scalar multiplication.
//
// The base point uses a comb of 4-bit windows: table[i][j-1] = j·16^i·G
// in affine form, so that k·G = Σ table[i][k_i - 1] over the 4-bit digits
// k_i of k, with no doublings. For a secret k every table row is scanned in
// full with masks and the addition is always computed, then kept or
// dropped with a mask, so neither branches nor memory addresses depend on k.
//
// Verification multiplies public scalars only and uses the same table
// indexed directly, plus a 4-bit fixed window over the public key.

// baseTable returns the comb table, building it on first use.
func (c *curveArith[E, FP, FQ]) baseTable() [][15]affine[E] {
	c.tableOnce.Do(c.buildTable)
	return c.table
}

func (c *curveArith[E, FP, FQ]) buildTable() {
	n := c.fq.windows()
	pts := make([]point[E], n*15)
	var base point[E]
	c.fromAffine(&base, &c.g)
	for i := 0; i < n; i++ {
		row := pts[i*15 : (i+1)*15]
		row[0] = base
		for j := 1; j < 15; j++ {
			c.add(&row[j], &row[j-1], &base)
		}
		c.add(&base, &row[14], &base)
	}
	// Batch inversion of the Z coordinates (Montgomery's trick): none is
	// zero, since no j·16^i is a multiple of the prime q.
	prefix := make([]E, len(pts))
	acc := pts[0].z
	prefix[0] = acc
	for i := 1; i < len(pts); i++ {
		c.fp.mul(&acc, &acc, &pts[i].z)
		prefix[i] = acc
	}
	var inv E
	c.fp.inv(&inv, &acc)
	table := make([][15]affine[E], n)
	for i := len(pts) - 1; i >= 0; i-- {
		var zinv E
		if i > 0 {
			c.fp.mul(&zinv, &inv, &prefix[i-1])
			c.fp.mul(&inv, &inv, &pts[i].z)
		} else {
			zinv = inv
		}
		e := &table[i/15][i%15]
		c.fp.mul(&e.x, &pts[i].x, &zinv)
		c.fp.mul(&e.y, &pts[i].y, &zinv)
	}
	c.table = table
}

// ctEq returns 1 when a == b and 0 otherwise, without branching.
func ctEq(a, b uint64) uint64 {
	x := a ^ b
	return 1 ^ ((x | -x) >> 63)
}

// scalarBaseMult sets r = k·G for a plain scalar k, in constant time.
func (c *curveArith[E, FP, FQ]) scalarBaseMult(r *point[E], k *E) {
	tab := c.baseTable()
	c.setInfinity(r)
	var t point[E]
	var e affine[E]
	for i := range tab {
		d := uint64(c.fq.nibble(k, i))
		row := &tab[i]
		var zero E
		e.x, e.y = zero, zero
		for j := 0; j < 15; j++ {
			m := ctEq(d, uint64(j+1))
			c.fp.cmov(&e.x, &row[j].x, m)
			c.fp.cmov(&e.y, &row[j].y, m)
		}
		c.addMixed(&t, r, &e)
		c.cmovPoint(r, &t, 1^ctEq(d, 0))
	}
}

// mulDoubleVartime sets r = u1·G + u2·Q for plain public scalars u1 and u2.
// It branches on the scalars and must not see secrets.
func (c *curveArith[E, FP, FQ]) mulDoubleVartime(r *point[E], u1 *E, q *affine[E], u2 *E) {
	tab := c.baseTable()
	var acc point[E]
	c.setInfinity(&acc)
	for i := range tab {
		if d := c.fq.nibble(u1, i); d != 0 {
			c.addMixed(&acc, &acc, &tab[i][d-1])
		}
	}

	var qt [16]point[E]
	c.fromAffine(&qt[1], q)
	c.double(&qt[2], &qt[1])
	for j := 3; j < 16; j++ {
		c.addMixed(&qt[j], &qt[j-1], q)
	}
	var acc2 point[E]
	c.setInfinity(&acc2)
	started := false
	for i := c.fq.windows() - 1; i >= 0; i-- {
		if started {
			for k := 0; k < 4; k++ {
				c.double(&acc2, &acc2)
			}
		}
		if d := c.fq.nibble(u2, i); d != 0 {
			if started {
				c.add(&acc2, &acc2, &qt[d])
			} else {
				acc2 = qt[d]
				started = true
			}
		}
	}
	c.add(r, &acc, &acc2)
}
