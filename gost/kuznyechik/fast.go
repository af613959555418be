package kuznyechik

// The table lookups of the fast path, unrolled over the 16 bytes.

// lsFast is L(S(x)) through encT.
func lsFast(x half) half {
	a, b := x[0], x[1]
	t0 := &encT[0][byte(a)]
	t1 := &encT[1][byte(a>>8)]
	t2 := &encT[2][byte(a>>16)]
	t3 := &encT[3][byte(a>>24)]
	t4 := &encT[4][byte(a>>32)]
	t5 := &encT[5][byte(a>>40)]
	t6 := &encT[6][byte(a>>48)]
	t7 := &encT[7][byte(a>>56)]
	t8 := &encT[8][byte(b)]
	t9 := &encT[9][byte(b>>8)]
	t10 := &encT[10][byte(b>>16)]
	t11 := &encT[11][byte(b>>24)]
	t12 := &encT[12][byte(b>>32)]
	t13 := &encT[13][byte(b>>40)]
	t14 := &encT[14][byte(b>>48)]
	t15 := &encT[15][byte(b>>56)]
	return half{
		t0[0] ^ t1[0] ^ t2[0] ^ t3[0] ^ t4[0] ^ t5[0] ^ t6[0] ^ t7[0] ^
			t8[0] ^ t9[0] ^ t10[0] ^ t11[0] ^ t12[0] ^ t13[0] ^ t14[0] ^ t15[0],
		t0[1] ^ t1[1] ^ t2[1] ^ t3[1] ^ t4[1] ^ t5[1] ^ t6[1] ^ t7[1] ^
			t8[1] ^ t9[1] ^ t10[1] ^ t11[1] ^ t12[1] ^ t13[1] ^ t14[1] ^ t15[1],
	}
}

// ilsFast is S⁻¹ followed by L⁻¹ of the next round, through decT.
func ilsFast(x half) half {
	a, b := x[0], x[1]
	t0 := &decT[0][byte(a)]
	t1 := &decT[1][byte(a>>8)]
	t2 := &decT[2][byte(a>>16)]
	t3 := &decT[3][byte(a>>24)]
	t4 := &decT[4][byte(a>>32)]
	t5 := &decT[5][byte(a>>40)]
	t6 := &decT[6][byte(a>>48)]
	t7 := &decT[7][byte(a>>56)]
	t8 := &decT[8][byte(b)]
	t9 := &decT[9][byte(b>>8)]
	t10 := &decT[10][byte(b>>16)]
	t11 := &decT[11][byte(b>>24)]
	t12 := &decT[12][byte(b>>32)]
	t13 := &decT[13][byte(b>>40)]
	t14 := &decT[14][byte(b>>48)]
	t15 := &decT[15][byte(b>>56)]
	return half{
		t0[0] ^ t1[0] ^ t2[0] ^ t3[0] ^ t4[0] ^ t5[0] ^ t6[0] ^ t7[0] ^
			t8[0] ^ t9[0] ^ t10[0] ^ t11[0] ^ t12[0] ^ t13[0] ^ t14[0] ^ t15[0],
		t0[1] ^ t1[1] ^ t2[1] ^ t3[1] ^ t4[1] ^ t5[1] ^ t6[1] ^ t7[1] ^
			t8[1] ^ t9[1] ^ t10[1] ^ t11[1] ^ t12[1] ^ t13[1] ^ t14[1] ^ t15[1],
	}
}

// linInvFast is L⁻¹(x): decT of π(x) removes the S⁻¹ built into decT.
func linInvFast(x half) half {
	a, b := x[0], x[1]
	t0 := &decT[0][pi[byte(a)]]
	t1 := &decT[1][pi[byte(a>>8)]]
	t2 := &decT[2][pi[byte(a>>16)]]
	t3 := &decT[3][pi[byte(a>>24)]]
	t4 := &decT[4][pi[byte(a>>32)]]
	t5 := &decT[5][pi[byte(a>>40)]]
	t6 := &decT[6][pi[byte(a>>48)]]
	t7 := &decT[7][pi[byte(a>>56)]]
	t8 := &decT[8][pi[byte(b)]]
	t9 := &decT[9][pi[byte(b>>8)]]
	t10 := &decT[10][pi[byte(b>>16)]]
	t11 := &decT[11][pi[byte(b>>24)]]
	t12 := &decT[12][pi[byte(b>>32)]]
	t13 := &decT[13][pi[byte(b>>40)]]
	t14 := &decT[14][pi[byte(b>>48)]]
	t15 := &decT[15][pi[byte(b>>56)]]
	return half{
		t0[0] ^ t1[0] ^ t2[0] ^ t3[0] ^ t4[0] ^ t5[0] ^ t6[0] ^ t7[0] ^
			t8[0] ^ t9[0] ^ t10[0] ^ t11[0] ^ t12[0] ^ t13[0] ^ t14[0] ^ t15[0],
		t0[1] ^ t1[1] ^ t2[1] ^ t3[1] ^ t4[1] ^ t5[1] ^ t6[1] ^ t7[1] ^
			t8[1] ^ t9[1] ^ t10[1] ^ t11[1] ^ t12[1] ^ t13[1] ^ t14[1] ^ t15[1],
	}
}
