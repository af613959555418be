package journal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// jsonLine is the line for r as encoding/json makes it: the reference
// that encode must match byte for byte.
func jsonLine(r Record) (line []byte, hash string, err error) {
	r.Hash, r.MAC = "", ""
	body, err := json.Marshal(r)
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(body)
	hash = hex.EncodeToString(sum[:])
	line = append(append([]byte(nil), body[:len(body)-1]...), hashMember...)
	line = append(append(line, hash...), '"', '}')
	return line, hash, nil
}

// checkEncode fails the test unless encode writes r exactly as
// encoding/json does, or fails where encoding/json fails.
func checkEncode(t *testing.T, r Record) {
	t.Helper()
	want, wantHash, wantErr := jsonLine(r)
	line, hash, err := encode(r)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("record %#v:\nencode error %v, json.Marshal error %v", r, err, wantErr)
	}
	if wantErr != nil {
		return
	}
	if !bytes.Equal(line, want) || hash != wantHash {
		i := 0
		for i < len(line) && i < len(want) && line[i] == want[i] {
			i++
		}
		t.Fatalf("record %#v:\nencode     %q\njson       %q\nfirst difference at byte %d", r, line, want, i)
	}
	if b, ok := appendBody(nil, &r); !ok {
		t.Fatalf("record %#v: appendBody failed where json.Marshal did not", r)
	} else if body := append(append([]byte(nil), want[:bytes.LastIndex(want, hashMember)]...), '}'); !bytes.Equal(b, body) {
		t.Fatalf("record %#v:\nappendBody %q\njson       %q", r, b, body)
	}
}

// pieces are what random strings are made of: every ASCII byte alone
// (control characters, quotes, backslashes, 0x7f and <>& among them),
// and longer runs of the characters encoding/json treats specially.
var pieces = func() []string {
	p := []string{
		"", "a", "hello", "https://example.org:8443", "Иван Петров", "ё", "€", "😀",
		"\u2028", "\u2029", "\u2027", "\u202a", "\ufffd", "\u00e9",
		"\xff", "\xfe", "\x80", "\xc3", "\xe2\x80", "\xf0\x9f\x98", "\xed\xa0\x80",
		"\xc0\xaf", "\xf4\x90\x80\x80", "<script>", "a&b", `\"`, `\\`, "\r\n", "\u007f\u0080",
	}
	for c := 0; c < 0x80; c++ {
		p = append(p, string(rune(c)))
	}
	return p
}()

func randomString(rng *rand.Rand) string {
	if rng.IntN(4) == 0 {
		return ""
	}
	var b []byte
	for n := rng.IntN(12); n > 0; n-- {
		b = append(b, pieces[rng.IntN(len(pieces))]...)
	}
	return string(b)
}

var zones = []*time.Location{
	time.UTC,
	time.FixedZone("plus", 3*3600),
	time.FixedZone("minus", -(9*3600 + 30*60)),
	time.FixedZone("odd", 5*3600+45*60+17),
}

func randomTime(rng *rand.Rand) time.Time {
	switch rng.IntN(8) {
	case 0:
		return time.Time{}
	case 1:
		return time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
	}
	// Seconds since 0000-01-01, before 10000-01-01.
	sec := rng.Int64N(253402300800)
	t := time.Unix(sec-62167219200, 0)
	switch rng.IntN(4) {
	case 0: // whole seconds
	case 1:
		t = t.Add(time.Duration(rng.IntN(1000)) * time.Millisecond)
	case 2:
		t = t.Add(time.Duration(rng.IntN(1000)) * time.Microsecond)
	default:
		t = t.Add(time.Duration(rng.IntN(1e9)))
	}
	// As the journal does: a time in some location, converted to UTC.
	return t.In(zones[rng.IntN(len(zones))]).UTC()
}

func randomSeq(rng *rand.Rand) uint64 {
	switch rng.IntN(5) {
	case 0:
		return 0
	case 1:
		return math.MaxUint64
	case 2:
		return uint64(rng.IntN(1000))
	}
	return rng.Uint64() >> rng.IntN(64)
}

func TestEncodeMatchesJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		checkEncode(t, Record{
			Seq:          randomSeq(rng),
			Time:         randomTime(rng),
			Event:        randomString(rng),
			Origin:       randomString(rng),
			Certificate:  randomString(rng),
			Subject:      randomString(rng),
			Document:     randomString(rng),
			DocumentHash: randomString(rng),
			Description:  randomString(rng),
			Outcome:      randomString(rng),
			Reason:       randomString(rng),
			Count:        []uint64{0, 1, 17, math.MaxUint64}[rng.IntN(4)],
			Prev:         randomString(rng),
			Hash:         randomString(rng),
			MAC:          randomString(rng),
		})
	}
}

func TestEncodeEachByte(t *testing.T) {
	// Each byte, alone and between others, in every string member.
	for c := 0; c < 0x100; c++ {
		for _, s := range []string{string([]byte{byte(c)}), "x" + string([]byte{byte(c)}) + "y"} {
			checkEncode(t, Record{Seq: uint64(c), Event: s, Origin: s, Certificate: s, Subject: s,
				Document: s, DocumentHash: s, Description: s, Outcome: s, Reason: s, Prev: s})
		}
	}
}

func TestEncodeTimes(t *testing.T) {
	times := []time.Time{
		{},
		time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC),
		time.Date(2025, 3, 14, 15, 9, 26, 500000000, time.UTC),
		time.Date(2025, 3, 14, 15, 9, 26, 1, time.UTC),
		time.Date(2025, 3, 14, 15, 9, 26, 120, time.UTC),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2025, 3, 14, 15, 9, 26, 0, time.FixedZone("", 3*3600)),
		time.Date(2025, 3, 14, 15, 9, 26, 0, time.FixedZone("", -(23*3600+59*60))),
		time.Date(2025, 3, 14, 15, 9, 26, 0, time.FixedZone("", 5*3600+45*60+17)),
		time.Date(2025, 3, 14, 15, 9, 26, 7, time.FixedZone("", 0)),
		time.Now(),
		time.Now().UTC(),
		// Times json.Marshal refuses, for which encode must fail too.
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2025, 3, 14, 15, 9, 26, 0, time.FixedZone("", 24*3600)),
		time.Date(2025, 3, 14, 15, 9, 26, 0, time.FixedZone("", -24*3600)),
		time.Date(2025, 3, 14, 15, 9, 26, 0, time.FixedZone("", 100*3600)),
		time.Date(2025, 3, 14, 15, 9, 26, 0, time.FixedZone("", 99*3600)),
	}
	for _, tm := range times {
		checkEncode(t, Record{Time: tm, Event: EventSignature, Outcome: OutcomeSigned, Prev: zeroHash})
	}
	if _, _, err := encode(Record{Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}); err == nil {
		t.Fatal("encode accepted the year 10000")
	}
}

func FuzzEncodeMatchesJSON(f *testing.F) {
	f.Add(uint64(0), int64(0), uint32(0), "", "", "", "", "")
	f.Add(uint64(math.MaxUint64), int64(1741964966), uint32(535897932), EventSignature, "https://example.org",
		"CN=Иван, O=A & B", "<b>\"x\"\\\u2028\u2029</b>", "\x00\x01\b\f\n\r\t\x1f\x7f\xff")
	f.Add(uint64(1), int64(253402300800), uint32(2), "e", "", "", "", "")
	f.Fuzz(func(t *testing.T, seq uint64, sec int64, nsec uint32, a, b, c, d, e string) {
		// Times within some 35,000 years of 1970, years out of
		// json.Marshal's range among them.
		tm := time.Unix(sec%(1<<40), int64(nsec%1e9))
		switch nsec % 5 {
		case 0:
			tm = time.Time{}
		case 1:
			tm = tm.In(zones[int(nsec/5)%len(zones)])
		default:
			tm = tm.UTC()
		}
		checkEncode(t, Record{Seq: seq, Time: tm, Event: a, Origin: b, Certificate: c, Subject: d,
			Document: e, DocumentHash: a, Description: d, Outcome: b, Reason: e, Prev: c, Hash: a})
	})
}

func benchRecord() Record {
	return Record{
		Seq:          123456,
		Time:         time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC),
		Event:        EventSignature,
		Origin:       "https://portal.example.org",
		Certificate:  "3f2a9c0d1e4b5a6978c1d2e3f4a5b6c7d8e9f0a1",
		Subject:      "CN=Иван Петров, O=Example & Co, C=RU",
		Document:     "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		DocumentHash: "SHA-256",
		Description:  "Contract <No. 42> for \"services\"",
		Outcome:      OutcomeSigned,
		Prev:         "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
	}
}

func BenchmarkEncode(b *testing.B) {
	r := benchRecord()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := encode(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWrite measures writing one record (encoding, MAC, the write
// over the space ahead) without its sync.
func BenchmarkWrite(b *testing.B) {
	j, err := Open(b.TempDir() + "/journal.log")
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	r := benchRecord()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := j.Write(r); err != nil {
			b.Fatal(err)
		}
	}
}
