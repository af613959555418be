package tray

import (
	"bytes"
	"encoding/binary"
	"image/png"
	"testing"
)

// TestIconFile reads the icon file back as Windows does: one 32×32 image
// of 32 bits whose data, at the offset given, is the PNG.
func TestIconFile(t *testing.T) {
	p := iconPNG()
	ico := icoOf(p, iconSize)
	le := binary.LittleEndian
	if le.Uint16(ico[0:]) != 0 || le.Uint16(ico[2:]) != 1 || le.Uint16(ico[4:]) != 1 {
		t.Fatalf("header % x", ico[:6])
	}
	e := ico[6:22]
	if e[0] != iconSize || e[1] != iconSize || le.Uint16(e[4:]) != 1 || le.Uint16(e[6:]) != 32 {
		t.Fatalf("directory entry % x", e)
	}
	size, off := le.Uint32(e[8:]), le.Uint32(e[12:])
	if int(off)+int(size) != len(ico) || !bytes.Equal(ico[off:], p) {
		t.Fatalf("image at %d, %d bytes, in a file of %d", off, size, len(ico))
	}
	img, err := png.Decode(bytes.NewReader(ico[off:]))
	if err != nil || img.Bounds().Dx() != iconSize || img.Bounds().Dy() != iconSize {
		t.Fatalf("the image: %v, %v", img.Bounds(), err)
	}
}
