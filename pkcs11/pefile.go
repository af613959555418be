package pkcs11

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// PE machine types (the Machine field of a Windows DLL's COFF header).
const (
	peMachineI386  = 0x014c
	peMachineAMD64 = 0x8664
	peMachineARMNT = 0x01c4
	peMachineARM64 = 0xaa64
)

// peMachineNames says what a PE machine type is, in the words an error
// message uses.
var peMachineNames = map[uint16]string{
	peMachineI386:  "32-bit (x86)",
	peMachineAMD64: "64-bit (x64)",
	peMachineARMNT: "32-bit (ARM)",
	peMachineARM64: "64-bit (ARM64)",
}

// machineName names a PE machine type.
func machineName(m uint16) string {
	if name, ok := peMachineNames[m]; ok {
		return name
	}
	return fmt.Sprintf("machine type %#04x", m)
}

var errNotPE = errors.New("not a Windows DLL (no PE header)")

// peMachine reads the Machine field of the PE file at path: the DOS
// header's e_lfanew (at 0x3c) points at the "PE\0\0" signature, which the
// COFF header follows, Machine first.
func peMachine(path string) (uint16, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var dos [64]byte
	if _, err := io.ReadFull(f, dos[:]); err != nil || dos[0] != 'M' || dos[1] != 'Z' {
		return 0, errNotPE
	}
	off := int64(binary.LittleEndian.Uint32(dos[0x3c:]))
	var hdr [6]byte
	if _, err := f.ReadAt(hdr[:], off); err != nil || string(hdr[:4]) != "PE\x00\x00" {
		return 0, errNotPE
	}
	return binary.LittleEndian.Uint16(hdr[4:]), nil
}
