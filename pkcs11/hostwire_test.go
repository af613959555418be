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

	id, kind, body, _, err := newFrameReader(bytes.NewReader(frame)).next()
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
		if _, _, _, _, err := newFrameReader(bytes.NewReader(bad)).next(); !errors.Is(err, errWire) {
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

// keepingReader hands out frame and remembers the buffers it filled.
type keepingReader struct {
	r      *bytes.Reader
	filled [][]byte
}

func (k *keepingReader) Read(p []byte) (int, error) {
	n, err := k.r.Read(p)
	k.filled = append(k.filled, p[:n])
	return n, err
}

// creatingBackend records what C_CreateObject received.
type creatingBackend struct {
	backend
	seen  []*p11.Attribute // the slices the host passed
	value []byte           // CKA_VALUE as it was during the call
}

func (b *creatingBackend) CreateObject(sh p11.SessionHandle, temp []*p11.Attribute) (p11.ObjectHandle, error) {
	b.seen = temp
	for _, a := range temp {
		if a.Type == p11.CKA_VALUE {
			b.value = append([]byte(nil), a.Value...)
		}
	}
	return 42, nil
}

// TestHostWipesCreateObjectTemplate: the module host passes the template
// of C_CreateObject to the module and then overwrites both its copy of
// the values and the request frame it read.
func TestHostWipesCreateObjectTemplate(t *testing.T) {
	secret := bytes.Repeat([]byte{0xA5}, 32)
	e := newEnc(9, opCreateObject)
	e.uint(1)
	e.attrs([]*p11.Attribute{p11.NewAttribute(p11.CKA_CLASS, p11.CKO_PRIVATE_KEY), p11.NewAttribute(p11.CKA_VALUE, secret)})
	in := &keepingReader{r: bytes.NewReader(e.finish())}
	be := &creatingBackend{}
	var out bytes.Buffer
	s := newHostServer(be, in, &out)
	s.read()
	<-s.end
	if !bytes.Equal(be.value, secret) {
		t.Fatalf("the module got CKA_VALUE %x", be.value)
	}
	id, kind, body, _, err := newFrameReader(&out).next()
	if err != nil || id != 9 || kind != statusOK || (&dec{b: body}).uint() != 42 {
		t.Fatalf("reply: id %d kind %d err %v", id, kind, err)
	}
	for _, a := range be.seen {
		if a.Type == p11.CKA_VALUE && !bytes.Equal(a.Value, make([]byte, 32)) {
			t.Errorf("the host's copy of CKA_VALUE is %x after the call", a.Value)
		}
	}
	for _, b := range in.filled {
		if bytes.Contains(b, secret[:8]) {
			t.Errorf("the request frame still holds the key: %x", b)
		}
	}
}
