package gost

import (
	"bytes"
	"crypto/rand"
	"errors"
	"math/big"
	"testing"
)

// refPoint is an affine point for the math/big reference arithmetic; nil
// is the point at infinity.
type refPoint struct{ x, y *big.Int }

// refCurve is a slow, obviously correct affine implementation used to
// check the fast one.
type refCurve struct{ p, a, b *big.Int }

func (r refCurve) onCurve(pt *refPoint) bool {
	lhs := new(big.Int).Mul(pt.y, pt.y)
	rhs := new(big.Int).Mul(pt.x, pt.x)
	rhs.Add(rhs, r.a).Mul(rhs, pt.x).Add(rhs, r.b)
	return lhs.Sub(lhs, rhs).Mod(lhs, r.p).Sign() == 0
}

func (r refCurve) add(p1, p2 *refPoint) *refPoint {
	if p1 == nil {
		return p2
	}
	if p2 == nil {
		return p1
	}
	var lambda *big.Int
	if p1.x.Cmp(p2.x) == 0 {
		sum := new(big.Int).Add(p1.y, p2.y)
		if sum.Mod(sum, r.p).Sign() == 0 {
			return nil
		}
		num := new(big.Int).Mul(p1.x, p1.x)
		num.Mul(num, big.NewInt(3)).Add(num, r.a)
		den := new(big.Int).Lsh(p1.y, 1)
		lambda = num.Mul(num, den.ModInverse(den, r.p))
	} else {
		num := new(big.Int).Sub(p2.y, p1.y)
		den := new(big.Int).Sub(p2.x, p1.x)
		den.Mod(den, r.p)
		lambda = num.Mul(num, den.ModInverse(den, r.p))
	}
	lambda.Mod(lambda, r.p)
	x3 := new(big.Int).Mul(lambda, lambda)
	x3.Sub(x3, p1.x).Sub(x3, p2.x).Mod(x3, r.p)
	y3 := new(big.Int).Sub(p1.x, x3)
	y3.Mul(y3, lambda).Sub(y3, p1.y).Mod(y3, r.p)
	return &refPoint{x3, y3}
}

func (r refCurve) mul(k *big.Int, pt *refPoint) *refPoint {
	var acc *refPoint
	for i := k.BitLen() - 1; i >= 0; i-- {
		acc = r.add(acc, acc)
		if k.Bit(i) == 1 {
			acc = r.add(acc, pt)
		}
	}
	return acc
}

func leBytes(v *big.Int, n int) []byte {
	b := make([]byte, n)
	v.FillBytes(b)
	reverse(b)
	return b
}

func TestParameterSets(t *testing.T) {
	if len(Curves()) != 14 {
		t.Fatalf("%d parameter sets, want 14", len(Curves()))
	}
	for _, c := range Curves() {
		t.Run(c.Name(), func(t *testing.T) {
			prm := c.prm
			ref := refCurve{prm.p, prm.a, prm.b}
			if !prm.p.ProbablyPrime(32) || !prm.q.ProbablyPrime(32) {
				t.Fatal("p or q is not prime")
			}
			if prm.p.BitLen() > 8*c.Size() || prm.q.BitLen() > 8*c.Size() || prm.q.BitLen() < 8*c.Size()-3 {
				t.Fatalf("p (%d bits) or q (%d bits) does not fit %d bytes", prm.p.BitLen(), prm.q.BitLen(), c.Size())
			}
			// Non-singular: 4a³ + 27b² != 0 mod p.
			d := new(big.Int).Exp(prm.a, big.NewInt(3), prm.p)
			d.Mul(d, big.NewInt(4))
			b2 := new(big.Int).Mul(prm.b, prm.b)
			d.Add(d, b2.Mul(b2, big.NewInt(27))).Mod(d, prm.p)
			if d.Sign() == 0 {
				t.Fatal("singular curve")
			}
			// Hasse: |p + 1 - h·q| <= 2·sqrt(p).
			n := new(big.Int).Mul(prm.q, big.NewInt(int64(prm.cofactor)))
			tr := new(big.Int).Add(prm.p, big.NewInt(1))
			tr.Sub(tr, n).Abs(tr)
			bound := new(big.Int).Sqrt(prm.p)
			if tr.Cmp(bound.Lsh(bound, 1).Add(bound, big.NewInt(2))) > 0 {
				t.Fatalf("h·q is not the group order (trace %v too large)", tr)
			}
			if prm.edD != nil {
				// The twisted Edwards form (e = 1) must map onto this curve:
				// a = s² - 3t², b = 2t³ - s²t with s = (1-d)/4, t = (1+d)/6,
				// and d must be a non-square for the formulas to be complete.
				inv := func(v int64) *big.Int { return new(big.Int).ModInverse(big.NewInt(v), prm.p) }
				sv := new(big.Int).Sub(big.NewInt(1), prm.edD)
				sv.Mul(sv, inv(4)).Mod(sv, prm.p)
				tv := new(big.Int).Add(big.NewInt(1), prm.edD)
				tv.Mul(tv, inv(6)).Mod(tv, prm.p)
				s2 := new(big.Int).Mul(sv, sv)
				a := new(big.Int).Mul(tv, tv)
				a.Mul(a, big.NewInt(3)).Sub(s2, a).Mod(a, prm.p)
				b := new(big.Int).Exp(tv, big.NewInt(3), prm.p)
				b.Lsh(b, 1).Sub(b, new(big.Int).Mul(s2, tv)).Mod(b, prm.p)
				if a.Cmp(prm.a) != 0 || b.Cmp(prm.b) != 0 {
					t.Fatal("the Edwards form does not match a and b")
				}
				if big.Jacobi(prm.edD, prm.p) != -1 {
					t.Fatal("Edwards d is a square: the addition formulas are not complete")
				}
			}
			g := &refPoint{prm.x, prm.y}
			if !ref.onCurve(g) {
				t.Fatal("G is not on the curve")
			}
			if ref.mul(prm.q, g) != nil {
				t.Fatal("q·G is not the point at infinity")
			}
			gRaw := append(leBytes(prm.x, c.Size()), leBytes(prm.y, c.Size())...)
			if _, err := NewPublicKey(c, gRaw); err != nil {
				t.Fatalf("G rejected: %v", err)
			}
			// (q-1)·G = -G through the constant-time comb.
			qm1 := new(big.Int).Sub(prm.q, big.NewInt(1))
			k, err := NewPrivateKey(c, leBytes(qm1, c.Size()))
			if err != nil {
				t.Fatal(err)
			}
			negY := new(big.Int).Sub(prm.p, prm.y)
			want := append(leBytes(prm.x, c.Size()), leBytes(negY, c.Size())...)
			if !bytes.Equal(k.PublicKey().Bytes(), want) {
				t.Fatal("(q-1)·G != -G")
			}
			// Random scalars agree with the reference.
			for i := 0; i < 3; i++ {
				key, err := GenerateKey(c, rand.Reader)
				if err != nil {
					t.Fatal(err)
				}
				dv := new(big.Int).SetBytes(reversed(key.Bytes()))
				r := ref.mul(dv, g)
				want := append(leBytes(r.x, c.Size()), leBytes(r.y, c.Size())...)
				if !bytes.Equal(key.PublicKey().Bytes(), want) {
					t.Fatalf("d·G differs from the reference for d = %x", dv)
				}
			}
			if got, err := CurveByOID(c.OID()); err != nil || got != c {
				t.Fatalf("CurveByOID(%v) = %v, %v", c.OID(), got, err)
			}
			if got, err := CurveByName(c.Name()); err != nil || got != c {
				t.Fatalf("CurveByName(%q) = %v, %v", c.Name(), got, err)
			}
		})
	}
}

func reversed(b []byte) []byte {
	out := append([]byte(nil), b...)
	reverse(out)
	return out
}

func TestCurveNames(t *testing.T) {
	for short, full := range map[string]string{
		"TCA": "id-tc26-gost-3410-12-256-paramSetA", "TCB": "id-tc26-gost-3410-12-256-paramSetB",
		"TCC": "id-tc26-gost-3410-12-256-paramSetC", "TCD": "id-tc26-gost-3410-12-256-paramSetD",
		"A": "id-GostR3410-2001-CryptoPro-A-ParamSet", "B": "id-GostR3410-2001-CryptoPro-B-ParamSet",
		"C": "id-GostR3410-2001-CryptoPro-C-ParamSet", "XA": "id-GostR3410-2001-CryptoPro-XchA-ParamSet",
		"XB": "id-GostR3410-2001-CryptoPro-XchB-ParamSet", "512A": "id-tc26-gost-3410-12-512-paramSetA",
		"512B": "id-tc26-gost-3410-12-512-paramSetB", "512C": "id-tc26-gost-3410-12-512-paramSetC",
		"test256": "id-GostR3410-2001-TestParamSet", "test512": "id-tc26-gost-3410-12-512-paramSetTest",
	} {
		c, err := CurveByName(short)
		if err != nil || c.Name() != full {
			t.Errorf("CurveByName(%q) = %v, %v; want %s", short, c, err, full)
		}
	}
	c, _ := CurveByName("TCA")
	if c.Size() != 32 || !c.KeyOID().Equal(oidKey256) || !c.DigestOID().Equal(oidDigest256) {
		t.Error("TCA: wrong size or OIDs")
	}
	c, _ = CurveByName("512C")
	if c.Size() != 64 || !c.KeyOID().Equal(oidKey512) || !c.DigestOID().Equal(oidDigest512) {
		t.Error("512C: wrong size or OIDs")
	}
	if _, err := CurveByName("P-256"); !errors.Is(err, ErrUnknownParamSet) {
		t.Errorf("unknown name: %v", err)
	}
}
