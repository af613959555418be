package pkcs11

import (
	"encoding/binary"
	"errors"
	"path/filepath"
	"testing"
)

func TestPEMachine(t *testing.T) {
	dir := t.TempDir()
	pe := func(machine uint16) []byte {
		b := make([]byte, 0x90)
		b[0], b[1] = 'M', 'Z'
		binary.LittleEndian.PutUint32(b[0x3c:], 0x80)
		copy(b[0x80:], "PE\x00\x00")
		binary.LittleEndian.PutUint16(b[0x84:], machine)
		return b
	}
	for _, c := range []struct {
		machine uint16
		name    string
	}{{peMachineI386, "32-bit (x86)"}, {peMachineAMD64, "64-bit (x64)"}, {peMachineARM64, "64-bit (ARM64)"}, {0x5032, "machine type 0x5032"}} {
		p := filepath.Join(dir, "m.dll")
		writeFile(t, p, pe(c.machine))
		m, err := peMachine(p)
		if err != nil || m != c.machine {
			t.Fatalf("peMachine = %#x, %v; want %#x", m, err, c.machine)
		}
		if got := machineName(m); got != c.name {
			t.Errorf("machineName(%#x) = %q, want %q", m, got, c.name)
		}
	}
	for name, b := range map[string][]byte{
		"elf":          []byte("\x7fELF\x02\x01\x01" + string(make([]byte, 80))),
		"short":        []byte("MZ"),
		"no PE":        append([]byte("MZ"), make([]byte, 0x60)...),
		"far e_lfanew": func() []byte { b := pe(peMachineI386); binary.LittleEndian.PutUint32(b[0x3c:], 0x7fffffff); return b }(),
	} {
		p := filepath.Join(dir, "x.dll")
		writeFile(t, p, b)
		if _, err := peMachine(p); !errors.Is(err, errNotPE) {
			t.Errorf("%s: err = %v, want errNotPE", name, err)
		}
	}
}
