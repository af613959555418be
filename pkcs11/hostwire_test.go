package pkcs11

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	p11 "github.com/miekg/pkcs11"
)

func TestHostWireRoundTrip(t *testing.T) {
	ti := p11.TokenInfo{Label: "Рутокен ЭЦП 3.0", ManufacturerID: "Aktiv Co.", Model: "Rutoken ECP", SerialNumber: "3a7f",
		Flags: p11.CKF_LOGIN_REQUIRED | p11.CKF_TOKEN_INITIALIZED, MaxPinLen: 32, MinPinLen: 6, FreePrivateMemory: 1 << 40,
		HardwareVersion: p11.Version{Major: 3, Minor: 1}, UTCTime: "2026120714000000"}
	info := p11.Info{CryptokiVersion: p11.Version{Major: 2, Minor: 40}, ManufacturerID: "Zavera", LibraryDescription: "test"}
	si := p11.SlotInfo{SlotDescription: "reader 0", Flags: p11.CKF_TOKEN_PRESENT}
	attrs := []*p11.Attribute{{Type: p11.CKA_ID, Value: []byte{1, 2}}, {Type: p11.CKA_LABEL}}
	e := newEnc(7, statusOK)
	encTokenInfo(e, ti)
	encInfo(e, info)
	encSlotInfo(e, si)
	e.attrs(attrs)
	frame := e.finish()

	id, kind, body, _, err := readFrame(bytes.NewReader(frame), nil)
	if err != nil || id != 7 || kind != statusOK {
		t.Fatalf("frame: id %d kind %d err %v", id, kind, err)
	}
	d := &dec{b: body}
	gotTI, gotInfo, gotSI, gotAttrs := decTokenInfo(d), decInfo(d), decSlotInfo(d), d.attrs()
	if d.err != nil || len(d.b) != 0 {
		t.Fatalf("decode: %v, %d bytes left", d.err, len(d.b))
	}
	if !reflect.DeepEqual(gotTI, ti) || !reflect.DeepEqual(gotInfo, info) || !reflect.DeepEqual(gotSI, si) || !reflect.DeepEqual(gotAttrs, attrs) {
		t.Fatalf("round trip:\n%+v\n%+v\n%+v\n%+v", gotTI, gotInfo, gotSI, gotAttrs)
	}

	// Every truncation of the body is refused, never a panic.
	for n := 0; n < len(body); n++ {
		d := &dec{b: body[:n]}
		decTokenInfo(d)
		decInfo(d)
		decSlotInfo(d)
		d.attrs()
		if !errors.Is(d.err, errWire) {
			t.Fatalf("body cut at %d of %d: %v", n, len(body), d.err)
		}
	}
	// A frame longer than the limit, or shorter than its header.
	for _, bad := range [][]byte{{0xff, 0xff, 0xff, 0xff}, {0, 0, 0, 2, 0, 0}} {
		if _, _, _, _, err := readFrame(bytes.NewReader(bad), nil); !errors.Is(err, errWire) {
			t.Fatalf("frame %x: %v", bad, err)
		}
	}
}

// FuzzHostReply feeds arbitrary replies to the decoders the agent runs
// on what a host sends: they fail cleanly, never panic or allocate
// without bound.
func FuzzHostReply(f *testing.F) {
	e := newEnc(1, statusOK)
	encTokenInfo(e, p11.TokenInfo{Label: "x"})
	e.attrs([]*p11.Attribute{{Type: 1, Value: []byte("v")}})
	f.Add(e.finish()[9:])
	f.Add([]byte{0, 0, 0, 0xff})
	f.Fuzz(func(t *testing.T, body []byte) {
		d := &dec{b: body}
		decTokenInfo(d)
		d.attrs()
		n := d.count()
		for i := 0; i < n && d.err == nil; i++ {
			d.uint()
		}
		replyErr(hostReply{status: statusCKR, body: body})
		replyErr(hostReply{status: statusFailed, body: body})
	})
}
