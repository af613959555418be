package gost

import (
	"bytes"
	"testing"
)

// completeBaseMult computes d·G with the complete-formula comb, the
// fallback of scalarBaseMult, so that tests reach it directly.
func completeBaseMult(t *testing.T, c *Curve, d []byte) []byte {
	switch a := c.arith().(type) {
	case *curveArith4p:
		var k, x, y fe4
		var p point[fe4]
		a.fq.fromLE(&k, d)
		a.combComplete(&p, &k)
		a.toAffine(&x, &y, &p)
		return a.encodePoint(&x, &y)
	case *curveArith4m:
		var k, x, y fe4
		var p point[fe4]
		a.fq.fromLE(&k, d)
		a.combComplete(&p, &k)
		a.toAffine(&x, &y, &p)
		return a.encodePoint(&x, &y)
	case *curveArith8p:
		var k, x, y fe8
		var p point[fe8]
		a.fq.fromLE(&k, d)
		a.combComplete(&p, &k)
		a.toAffine(&x, &y, &p)
		return a.encodePoint(&x, &y)
	case *curveArith8m:
		var k, x, y fe8
		var p point[fe8]
		a.fq.fromLE(&k, d)
		a.combComplete(&p, &k)
		a.toAffine(&x, &y, &p)
		return a.encodePoint(&x, &y)
	}
	t.Fatalf("unexpected arithmetic type %T", c.arith())
	return nil
}

// TestCombPathsAgree checks that the fast Jacobian comb and the complete
// fallback give the same points, on small, large and random scalars.
func TestCombPathsAgree(t *testing.T) {
	for _, c := range Curves() {
		n := c.Size()
		scalars := [][]byte{}
		for _, v := range []int{1, 2, 3, 15, 16, 17, 31, 32, 33} {
			b := make([]byte, n)
			b[0] = byte(v)
			scalars = append(scalars, b)
		}
		qm1 := leBytes(c.prm.q, n)
		qm1[0]-- // q is odd, so no borrow
		scalars = append(scalars, qm1)
		for i := 0; i < 4; i++ {
			k, err := randomScalar(c, nil)
			if err != nil {
				t.Fatal(err)
			}
			scalars = append(scalars, k)
		}
		for _, k := range scalars {
			fast := c.arith().publicKey(k)
			slow := completeBaseMult(t, c, k)
			if !bytes.Equal(fast, slow) {
				t.Fatalf("%s: comb paths differ for k = %x", c.Name(), k)
			}
		}
	}
}
