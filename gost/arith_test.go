package gost

import (
	"crypto/rand"
	"math/big"
	"sync"
	"testing"
)

// modOps is what these tests need from the four residue types.
type modOps[E any] interface {
	mul(z, x, y *E)
	sqr(z, x *E)
	add(z, x, y *E)
	sub(z, x, y *E)
	neg(z, x *E)
	inv(z, x *E)
	invVartime(z, x *E)
	toMont(z, x *E)
	fromMont(z, x *E)
	fromLE(z *E, b []byte)
	toLE(b []byte, x *E)
}

// checkMod compares every operation of f with math/big on edge and random
// values, through the type's own entry to and exit from its residue form.
func checkMod[E any](t *testing.T, name string, f modOps[E], m *big.Int, size int) {
	t.Helper()
	lim := new(big.Int).Lsh(big.NewInt(1), uint(8*size))
	vals := []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(2),
		new(big.Int).Sub(m, big.NewInt(1)), new(big.Int).Sub(m, big.NewInt(2)),
		new(big.Int).Rsh(m, 1), new(big.Int).Add(new(big.Int).Rsh(m, 1), big.NewInt(1))}
	for i := 0; i < 40; i++ {
		v, _ := rand.Int(rand.Reader, m)
		vals = append(vals, v)
	}
	enc := func(v *big.Int) E {
		var z, plain E
		f.fromLE(&plain, leBytes(v, size))
		f.toMont(&z, &plain)
		return z
	}
	dec := func(z *E) *big.Int {
		var plain E
		f.fromMont(&plain, z)
		b := make([]byte, size)
		f.toLE(b, &plain)
		return new(big.Int).SetBytes(reversed(b))
	}
	mod := func(v *big.Int) *big.Int { return v.Mod(v, m) }
	for i, a := range vals {
		b := vals[(i*7+3)%len(vals)]
		x, y := enc(a), enc(b)
		var z E
		f.mul(&z, &x, &y)
		if want := mod(new(big.Int).Mul(a, b)); dec(&z).Cmp(want) != 0 {
			t.Fatalf("%s: %v·%v = %v, want %v", name, a, b, dec(&z), want)
		}
		f.sqr(&z, &x)
		if want := mod(new(big.Int).Mul(a, a)); dec(&z).Cmp(want) != 0 {
			t.Fatalf("%s: %v² = %v, want %v", name, a, dec(&z), want)
		}
		f.add(&z, &x, &y)
		if want := mod(new(big.Int).Add(a, b)); dec(&z).Cmp(want) != 0 {
			t.Fatalf("%s: %v+%v wrong", name, a, b)
		}
		f.sub(&z, &x, &y)
		if want := mod(new(big.Int).Sub(a, b)); dec(&z).Cmp(want) != 0 {
			t.Fatalf("%s: %v-%v wrong", name, a, b)
		}
		f.neg(&z, &x)
		if want := mod(new(big.Int).Neg(a)); dec(&z).Cmp(want) != 0 {
			t.Fatalf("%s: -%v wrong", name, a)
		}
		f.inv(&z, &x)
		want := new(big.Int).ModInverse(a, m)
		if want == nil {
			want = big.NewInt(0)
		}
		if dec(&z).Cmp(want) != 0 {
			t.Fatalf("%s: 1/%v wrong", name, a)
		}
		f.invVartime(&z, &x)
		if dec(&z).Cmp(want) != 0 {
			t.Fatalf("%s: variable-time 1/%v wrong", name, a)
		}
	}
	// Entering Montgomery form reduces any value below 2^(8·size).
	for _, v := range []*big.Int{new(big.Int).Sub(lim, big.NewInt(1)), m, new(big.Int).Add(m, big.NewInt(5))} {
		if v.Cmp(lim) >= 0 {
			continue
		}
		z := enc(v)
		if want := mod(new(big.Int).Set(v)); dec(&z).Cmp(want) != 0 {
			t.Fatalf("%s: reducing %v gives %v, want %v", name, v, dec(&z), want)
		}
	}
}

func TestModArithmetic(t *testing.T) {
	for _, c := range Curves() {
		prm := c.prm
		if c.Size() == 32 {
			checkMod[fe4](t, c.Name()+" q", newMod4(prm.q), prm.q, 32)
			checkMod[fe4](t, c.Name()+" p mont", newMod4(prm.p), prm.p, 32)
			if f := newPM4(prm.p); f != nil {
				checkMod[fe4](t, c.Name()+" p pm", f, prm.p, 32)
			}
		} else {
			checkMod[fe8](t, c.Name()+" q", newMod8(prm.q), prm.q, 64)
			checkMod[fe8](t, c.Name()+" p mont", newMod8(prm.p), prm.p, 64)
			if f := newPM8(prm.p); f != nil {
				checkMod[fe8](t, c.Name()+" p pm", f, prm.p, 64)
			}
		}
	}
	if newPM4(big.NewInt(97)) != nil {
		t.Fatal("97 taken for a pseudo-Mersenne prime")
	}
}

// TestRecoding checks the signed comb digits and the NAF against the
// scalar they encode.
func TestRecoding(t *testing.T) {
	f := newMod8(new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 512), big.NewInt(569)))
	for i := 0; i < 50; i++ {
		k, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 512))
		if i == 0 {
			k.Sub(new(big.Int).Lsh(big.NewInt(1), 512), big.NewInt(1))
		}
		var e fe8
		f.fromLE(&e, leBytes(k, 64))
		sum := new(big.Int)
		var carry uint64
		windows := (512 + combBits - 1) / combBits
		digits := make([]int64, windows)
		for w := 0; w < windows; w++ {
			var mag, neg uint64
			mag, neg, carry = recodeDigit(f.window(&e, w*combBits, combBits) + carry)
			if mag > combWidth {
				t.Fatalf("digit magnitude %d", mag)
			}
			d := int64(mag)
			if neg == 1 {
				d = -d
			}
			digits[w] = d
		}
		if carry != 0 {
			t.Fatal("carry out of the top window")
		}
		for w := windows - 1; w >= 0; w-- {
			sum.Lsh(sum, combBits).Add(sum, big.NewInt(digits[w]))
		}
		if sum.Cmp(k) != 0 {
			t.Fatalf("comb digits of %x sum to %x", k, sum)
		}

		words := make([]uint64, 9)
		copy(words, e[:])
		naf := wnaf(words, 5)
		sum.SetInt64(0)
		for j := len(naf) - 1; j >= 0; j-- {
			d := naf[j]
			if d != 0 && (d%2 == 0 || d >= 16 || d <= -16) {
				t.Fatalf("bad NAF digit %d", d)
			}
			sum.Lsh(sum, 1).Add(sum, big.NewInt(int64(d)))
		}
		if sum.Cmp(k) != 0 {
			t.Fatalf("NAF of %x sums to %x", k, sum)
		}
	}
}

// TestSmallOrderPublicKey feeds Verify points of order dividing the
// cofactor: they are on the curve, so NewPublicKey takes them, and Verify
// must reject every signature without failing otherwise.
func TestSmallOrderPublicKey(t *testing.T) {
	for _, name := range []string{"TCA", "512C"} {
		c, _ := CurveByName(name)
		prm := c.prm
		ref := refCurve{prm.p, prm.a, prm.b}
		found := 0
		for x := int64(1); found < 3 && x < 2000; x++ {
			xv := big.NewInt(x)
			rhs := new(big.Int).Exp(xv, big.NewInt(3), prm.p)
			rhs.Add(rhs, new(big.Int).Mul(prm.a, xv)).Add(rhs, prm.b).Mod(rhs, prm.p)
			y := new(big.Int).ModSqrt(rhs, prm.p)
			if y == nil {
				continue
			}
			pt := ref.mul(prm.q, &refPoint{xv, y})
			if pt == nil {
				continue // R was in the subgroup
			}
			found++
			raw := append(leBytes(pt.x, c.Size()), leBytes(pt.y, c.Size())...)
			pub, err := NewPublicKey(c, raw)
			if err != nil {
				t.Fatalf("%s: on-curve point of small order rejected: %v", name, err)
			}
			digest := make([]byte, c.Size())
			for i := 0; i < 20; i++ {
				rand.Read(digest)
				sig := make([]byte, 2*c.Size())
				rand.Read(sig)
				sig[0], sig[c.Size()] = 0, 0 // keep r and s below q
				if err := pub.Verify(digest, sig); err == nil {
					t.Fatalf("%s: a random signature verifies under a small-order key", name)
				}
			}
		}
		if found == 0 {
			t.Fatalf("%s: no small-order point found", name)
		}
	}
}

// TestConcurrentUse signs and verifies from several goroutines on fresh
// curves' lazily built tables (run with -race to check the sharing).
func TestConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for _, c := range Curves() {
		key, err := GenerateKey(c, nil)
		if err != nil {
			t.Fatal(err)
		}
		for g := 0; g < 3; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				digest := make([]byte, c.Size())
				rand.Read(digest)
				sig, err := key.Sign(nil, digest, nil)
				if err == nil {
					err = key.PublicKey().Verify(digest, sig)
				}
				if err != nil {
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
