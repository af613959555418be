package pkcs11

import (
	"encoding/binary"
	"errors"
	"fmt"

	p11 "github.com/miekg/pkcs11"
)

// The module host's wire format (see "Module isolation" in doc.go).
//
// Every message, either way, is one frame:
//
//	u32 length of what follows (big endian), at most maxFrame
//	u32 request id, chosen by the agent, echoed by the host
//	u8  request: the call (op*); reply: the status (status*)
//	... the arguments or the results
//
// Numbers in arguments and results are u64 big endian; byte strings and
// strings are a u32 length and the bytes; lists are a u32 count and the
// items. A reply with statusCKR carries the CKR_* code as a u64, one with
// statusFailed a text for the log. Requests with different ids may be
// answered in any order: the host runs each in a goroutine of its own.

const maxFrame = 16 << 20

// Calls.
const (
	opInitialize byte = iota + 1
	opFinalize
	opGetInfo
	opGetSlotList
	opGetSlotInfo
	opGetTokenInfo
	opGetMechanismList
	opOpenSession
	opCloseSession
	opLogin
	opLogout
	opGetSessionInfo
	opFindObjectsInit
	opFindObjects
	opFindObjectsFinal
	opGetAttributeValue
	opSignInit
	opSign
	opWaitForSlotEvent
	// opSignInitSign is C_SignInit and C_Sign in one request. Its reply
	// is always statusOK (unless the host cannot run it): a u64 naming
	// the call that failed (0 none, 1 C_SignInit, 2 C_Sign), a u64 CKR_*
	// code and the signature.
	opSignInitSign
	// opCreateObject carries a template that may hold a private key:
	// both ends wipe the frame and their copies once the call is made.
	opCreateObject
	opDestroyObject
	opLast
)

// opNames names the calls for errors and the log.
var opNames = [...]string{
	opInitialize: "C_Initialize", opFinalize: "C_Finalize", opGetInfo: "C_GetInfo",
	opGetSlotList: "C_GetSlotList", opGetSlotInfo: "C_GetSlotInfo", opGetTokenInfo: "C_GetTokenInfo",
	opGetMechanismList: "C_GetMechanismList", opOpenSession: "C_OpenSession", opCloseSession: "C_CloseSession",
	opLogin: "C_Login", opLogout: "C_Logout", opGetSessionInfo: "C_GetSessionInfo",
	opFindObjectsInit: "C_FindObjectsInit", opFindObjects: "C_FindObjects", opFindObjectsFinal: "C_FindObjectsFinal",
	opGetAttributeValue: "C_GetAttributeValue", opSignInit: "C_SignInit", opSign: "C_Sign",
	opWaitForSlotEvent: "C_WaitForSlotEvent", opSignInitSign: "C_Sign",
	opCreateObject: "C_CreateObject", opDestroyObject: "C_DestroyObject",
}

// secretOp tells whether a request's frame carries a secret (a PIN, a
// private key) to be wiped once it has been sent or served.
func secretOp(op byte) bool { return op == opLogin || op == opCreateObject }

// wipeAttrs overwrites the values of a template.
func wipeAttrs(as []*p11.Attribute) {
	for _, a := range as {
		if a != nil {
			wipe(a.Value)
		}
	}
}

func opName(op byte) string {
	if op == 0 || op >= opLast {
		return fmt.Sprintf("call %d", op)
	}
	return opNames[op]
}

// Reply statuses.
const (
	statusOK     byte = 0
	statusCKR    byte = 1 // followed by the CKR_* code
	statusFailed byte = 2 // followed by a text
)

// errWire is a frame that does not parse.
var errWire = errors.New("pkcs11: malformed module host message")

// enc builds a frame. The first 9 bytes are the header, filled by finish.
type enc struct{ b []byte }

func newEnc(id uint32, kind byte) *enc {
	e := &enc{b: make([]byte, 9, 64)}
	binary.BigEndian.PutUint32(e.b[4:], id)
	e.b[8] = kind
	return e
}

func (e *enc) u64(v uint64) { e.b = binary.BigEndian.AppendUint64(e.b, v) }
func (e *enc) uint(v uint)  { e.u64(uint64(v)) }
func (e *enc) bytes(v []byte) {
	e.b = binary.BigEndian.AppendUint32(e.b, uint32(len(v)))
	e.b = append(e.b, v...)
}
func (e *enc) str(v string) {
	e.b = binary.BigEndian.AppendUint32(e.b, uint32(len(v)))
	e.b = append(e.b, v...)
}

// grow makes room for n more bytes at once, so that a secret written
// next is not left behind in a smaller buffer that append outgrew.
func (e *enc) grow(n int) {
	if cap(e.b)-len(e.b) < n {
		nb := make([]byte, len(e.b), len(e.b)+n)
		copy(nb, e.b)
		wipe(e.b)
		e.b = nb
	}
}

// attrsSize is what attrs writes for as.
func attrsSize(as []*p11.Attribute) int {
	n := 4
	for _, a := range as {
		n += 8 + 4 + len(a.Value)
	}
	return n
}

func (e *enc) count(n int) { e.b = binary.BigEndian.AppendUint32(e.b, uint32(n)) }
func (e *enc) version(v p11.Version) {
	e.b = append(e.b, v.Major, v.Minor)
}

func (e *enc) attrs(as []*p11.Attribute) {
	e.count(len(as))
	for _, a := range as {
		e.uint(a.Type)
		e.bytes(a.Value)
	}
}

// finish fills in the length and returns the frame.
func (e *enc) finish() []byte {
	binary.BigEndian.PutUint32(e.b, uint32(len(e.b)-4))
	return e.b
}

// dec reads arguments or results; the first error sticks.
type dec struct {
	b   []byte
	err error
}

func (d *dec) take(n int) []byte {
	if d.err != nil || n < 0 || len(d.b) < n {
		d.err = errWire
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *dec) u64() uint64 {
	v := d.take(8)
	if v == nil {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func (d *dec) uint() uint { return uint(d.u64()) }

func (d *dec) count() int {
	v := d.take(4)
	if v == nil {
		return 0
	}
	n := int(binary.BigEndian.Uint32(v))
	if n > len(d.b) {
		// Every item takes at least one byte: a larger count is a lie.
		d.err = errWire
		return 0
	}
	return n
}

func (d *dec) bytes() []byte {
	v := d.take(4)
	if v == nil {
		return nil
	}
	n := int(binary.BigEndian.Uint32(v))
	return d.take(n)
}

func (d *dec) str() string { return string(d.bytes()) }

func (d *dec) version() p11.Version {
	v := d.take(2)
	if v == nil {
		return p11.Version{}
	}
	return p11.Version{Major: v[0], Minor: v[1]}
}

func (d *dec) attrs() []*p11.Attribute {
	n := d.count()
	out := make([]*p11.Attribute, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		a := &p11.Attribute{Type: d.uint()}
		if v := d.bytes(); len(v) > 0 {
			a.Value = append([]byte(nil), v...)
		}
		out = append(out, a)
	}
	return out
}

func encInfo(e *enc, v p11.Info) {
	e.version(v.CryptokiVersion)
	e.str(v.ManufacturerID)
	e.uint(v.Flags)
	e.str(v.LibraryDescription)
	e.version(v.LibraryVersion)
}

func decInfo(d *dec) p11.Info {
	return p11.Info{CryptokiVersion: d.version(), ManufacturerID: d.str(), Flags: d.uint(),
		LibraryDescription: d.str(), LibraryVersion: d.version()}
}

func encSlotInfo(e *enc, v p11.SlotInfo) {
	e.str(v.SlotDescription)
	e.str(v.ManufacturerID)
	e.uint(v.Flags)
	e.version(v.HardwareVersion)
	e.version(v.FirmwareVersion)
}

func decSlotInfo(d *dec) p11.SlotInfo {
	return p11.SlotInfo{SlotDescription: d.str(), ManufacturerID: d.str(), Flags: d.uint(),
		HardwareVersion: d.version(), FirmwareVersion: d.version()}
}

func encTokenInfo(e *enc, v p11.TokenInfo) {
	for _, s := range []string{v.Label, v.ManufacturerID, v.Model, v.SerialNumber, v.UTCTime} {
		e.str(s)
	}
	for _, n := range []uint{v.Flags, v.MaxSessionCount, v.SessionCount, v.MaxRwSessionCount, v.RwSessionCount,
		v.MaxPinLen, v.MinPinLen, v.TotalPublicMemory, v.FreePublicMemory, v.TotalPrivateMemory, v.FreePrivateMemory} {
		e.uint(n)
	}
	e.version(v.HardwareVersion)
	e.version(v.FirmwareVersion)
}

func decTokenInfo(d *dec) p11.TokenInfo {
	var v p11.TokenInfo
	for _, s := range []*string{&v.Label, &v.ManufacturerID, &v.Model, &v.SerialNumber, &v.UTCTime} {
		*s = d.str()
	}
	for _, n := range []*uint{&v.Flags, &v.MaxSessionCount, &v.SessionCount, &v.MaxRwSessionCount, &v.RwSessionCount,
		&v.MaxPinLen, &v.MinPinLen, &v.TotalPublicMemory, &v.FreePublicMemory, &v.TotalPrivateMemory, &v.FreePrivateMemory} {
		*n = d.uint()
	}
	v.HardwareVersion = d.version()
	v.FirmwareVersion = d.version()
	return v
}
