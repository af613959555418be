package gost

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

// RFC 7091, section 7 (GOST R 34.10-2012, appendix A): the published
// examples give d, the public point, e, k, r and s as big-endian numbers.
var rfc7091Examples = []struct {
	curve                 string
	d, qx, qy, e, k, r, s string
}{
	{
		curve: "test256",
		d:     "7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28",
		qx:    "7F2B49E270DB6D90D8595BEC458B50C58585BA1D4E9B788F6689DBD8E56FD80B",
		qy:    "26F1B489D6701DD185C8413A977B3CBBAF64D1C593D26627DFFB101A87FF77DA",
		e:     "2DFBC1B372D89A1188C09C52E0EEC61FCE52032AB1022E8E67ECE6672B043EE5",
		k:     "77105C9B20BCD3122823C8CF6FCC7B956DE33814E95B7FE64FED924594DCEAB3",
		r:     "41AA28D2F1AB148280CD9ED56FEDA41974053554A42767B83AD043FD39DC0493",
		s:     "01456C64BA4642A1653C235A98A60249BCD6D3F746B631DF928014F6C5BF9C40",
	},
	{
		curve: "test512",
		d: "0BA6048AADAE241BA40936D47756D7C93091A0E8514669700EE7508E508B1020" +
			"72E8123B2200A0563322DAD2827E2714A2636B7BFD18AADFC62967821FA18DD4",
		qx: "115DC5BC96760C7B48598D8AB9E740D4C4A85A65BE33C1815B5C320C854621DD" +
			"5A515856D13314AF69BC5B924C8B4DDFF75C45415C1D9DD9DD33612CD530EFE1",
		qy: "37C7C90CD40B0F5621DC3AC1B751CFA0E2634FA0503B3D52639F5D7FB72AFD61" +
			"EA199441D943FFE7F0C70A2759A3CDB84C114E1F9339FDF27F35ECA93677BEEC",
		e: "3754F3CFACC9E0615C4F4A7C4D8DAB531B09B6F9C170C533A71D147035B0C591" +
			"7184EE536593F4414339976C647C5D5A407ADEDB1D560C4FC6777D2972075B8C",
		k: "0359E7F4B1410FEACC570456C6801496946312120B39D019D455986E364F3658" +
			"86748ED7A44B3E794434006011842286212273A6D14CF70EA3AF71BB1AE679F1",
		r: "2F86FA60A081091A23DD795E1E3C689EE512A3C82EE0DCC2643C78EEA8FCACD3" +
			"5492558486B20F1C9EC197C90699850260C93BCBCD9C5C3317E19344E173AE36",
		s: "1081B394696FFE8E6585E7A9362D26B6325F56778AADBC081C0BFBE933D52FF5" +
			"823CE288E8C4F362526080DF7F70CE406A6EEB1F56919CB92A9853BDE73E5B4A",
	},
}

// beHex decodes a big-endian hex number.
func beHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// leHex decodes a big-endian hex number into little-endian bytes.
func leHex(t testing.TB, s string) []byte {
	b := beHex(t, s)
	reverse(b)
	return b
}

func TestRFC7091Examples(t *testing.T) {
	for _, ex := range rfc7091Examples {
		t.Run(ex.curve, func(t *testing.T) {
			c, err := CurveByName(ex.curve)
			if err != nil {
				t.Fatal(err)
			}
			key, err := NewPrivateKey(c, leHex(t, ex.d))
			if err != nil {
				t.Fatal(err)
			}
			wantPub := append(leHex(t, ex.qx), leHex(t, ex.qy)...)
			if got := key.PublicKey().Bytes(); !bytes.Equal(got, wantPub) {
				t.Fatalf("public key\n got %x\nwant %x", got, wantPub)
			}
			// e is printed as a number; the digest bytes are its
			// little-endian form.
			digest := leHex(t, ex.e)
			sig, err := key.signWithNonce(digest, leHex(t, ex.k))
			if err != nil {
				t.Fatal(err)
			}
			want := append(beHex(t, ex.s), beHex(t, ex.r)...)
			if !bytes.Equal(sig, want) {
				t.Fatalf("signature\n got %x\nwant %x", sig, want)
			}
			if err := key.PublicKey().Verify(digest, sig); err != nil {
				t.Fatalf("verify: %v", err)
			}
			sig[len(sig)-1] ^= 1
			if err := key.PublicKey().Verify(digest, sig); err == nil {
				t.Fatal("verify accepted a changed r")
			}
		})
	}
}
