package streebog

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// reversedHex decodes a value printed the way RFC 6986 prints it (most
// significant byte first) into the byte order the hash outputs.
func reversedHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return b
}

// RFC 6986, section 10: examples M1 and M2, with messages and digests
// printed as numbers.
var rfcVectors = []struct {
	name      string
	message   string // as printed in the RFC
	digest512 string
	digest256 string
}{
	{
		name:      "M1",
		message:   "323130393837363534333231303938373635343332313039383736353433323130393837363534333231303938373635343332313039383736353433323130",
		digest512: "486f64c1917879417fef082b3381a4e211c324f074654c38823a7b76f830ad00fa1fbae42b1285c0352f227524bc9ab16254288dd6863dccd5b9f54a1ad0541b",
		digest256: "00557be5e584fd52a449b16b0251d05d27f94ab76cbaa6da890b59d8ef1e159d",
	},
	{
		name:      "M2",
		message:   "fbe2e5f0eee3c820fbeafaebef20fffbf0e1e0f0f520e0ed20e8ece0ebe5f0f2f120fff0eeec20f120faf2fee5e2202ce8f6f3ede220e8e6eee1e8f0f2d1202ce8f0f2e5e220e5d1",
		digest512: "28fbc9bada033b1460642bdcddb90c3fb3e56c497ccd0f62b8a2ad4935e85f037613966de4ee00531ae60f3b5a47f8dae06915d5f2f194996fcabf2622e6881e",
		digest256: "508f7e553c06501d749a66fc28c6cac0b005746d97537fa85d9e40904efed29d",
	},
}

func TestRFC6986Vectors(t *testing.T) {
	for _, v := range rfcVectors {
		msg := reversedHex(t, v.message)
		want512 := reversedHex(t, v.digest512)
		want256 := reversedHex(t, v.digest256)
		if got := Sum512(msg); !bytes.Equal(got[:], want512) {
			t.Errorf("%s Streebog-512 = %x, want %x", v.name, got, want512)
		}
		if got := Sum256(msg); !bytes.Equal(got[:], want256) {
			t.Errorf("%s Streebog-256 = %x, want %x", v.name, got, want256)
		}
		h := New512()
		h.Write(msg)
		if got := h.Sum(nil); !bytes.Equal(got, want512) {
			t.Errorf("%s New512 = %x, want %x", v.name, got, want512)
		}
	}
}

func TestM1IsTheDigitString(t *testing.T) {
	msg := reversedHex(t, rfcVectors[0].message)
	if string(msg) != "012345678901234567890123456789012345678901234567890123456789012" {
		t.Fatalf("M1 decodes to %q", msg)
	}
}

func TestEmptyMessage(t *testing.T) {
	// GOST.md: Streebog-256 of the empty message, in output byte order.
	want, _ := hex.DecodeString("3f539a213e97c802cc229d474c6aa32a825a360b2a933a949fd925208d9ce1bb")
	if got := Sum256(nil); !bytes.Equal(got[:], want) {
		t.Fatalf("Streebog-256(\"\") = %x, want %x", got, want)
	}
	if got := New256().Sum(nil); !bytes.Equal(got, want) {
		t.Fatalf("New256().Sum = %x, want %x", got, want)
	}
}
