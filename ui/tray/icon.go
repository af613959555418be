package tray

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"runtime"
	"sync"
)

// iconSize is the tray icon's side in pixels.
const iconSize = 32

// iconPNG is the tray icon: a blue disc with a white tick, drawn when the
// tray first shows so that no binary asset is needed. Encoding it takes
// most of a megabyte for a moment, which a headless agent never spends.
var iconPNG = sync.OnceValue(func() []byte { return drawIcon(iconSize) })

func drawIcon(n int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	blue := color.NRGBA{0x1f, 0x5f, 0xbf, 0xff}
	white := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	c := float64(n-1) / 2
	for y := range n {
		for x := range n {
			dx, dy := float64(x)-c, float64(y)-c
			if dx*dx+dy*dy <= c*c {
				img.SetNRGBA(x, y, blue)
			}
		}
	}
	// The tick: down from (0.25, 0.5) to (0.42, 0.68), up to (0.75, 0.32).
	line := func(x0, y0, x1, y1 float64) {
		for i := 0; i <= 4*n; i++ {
			f := float64(i) / float64(4*n)
			x, y := (x0+(x1-x0)*f)*float64(n), (y0+(y1-y0)*f)*float64(n)
			for ox := -1; ox <= 1; ox++ {
				for oy := -1; oy <= 1; oy++ {
					img.SetNRGBA(int(x)+ox, int(y)+oy, white)
				}
			}
		}
	}
	line(0.27, 0.5, 0.43, 0.67)
	line(0.43, 0.67, 0.74, 0.33)
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// trayIcon is the icon in the form the system's tray takes: Windows'
// LoadImage reads icon files (.ico), not PNG; the D-Bus tray takes PNG.
func trayIcon() []byte {
	if runtime.GOOS == "windows" {
		return icoOf(iconPNG(), iconSize)
	}
	return iconPNG()
}

// icoOf wraps a square PNG image of n×n pixels (n ≤ 256) in an icon file
// of one image. Icon files may hold PNG data as they are since Windows
// Vista: a header (reserved 0, type 1 = icon, one image), one directory
// entry (width and height, where 0 means 256; no palette; one plane;
// 32 bits per pixel; the data's size and offset) and the PNG.
func icoOf(png []byte, n int) []byte {
	const headerSize, entrySize = 6, 16
	out := make([]byte, 0, headerSize+entrySize+len(png))
	out = binary.LittleEndian.AppendUint16(out, 0)
	out = binary.LittleEndian.AppendUint16(out, 1)
	out = binary.LittleEndian.AppendUint16(out, 1)
	side := byte(n) // 256 is written as 0
	out = append(out, side, side, 0, 0)
	out = binary.LittleEndian.AppendUint16(out, 1)
	out = binary.LittleEndian.AppendUint16(out, 32)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(png)))
	out = binary.LittleEndian.AppendUint32(out, headerSize+entrySize)
	return append(out, png...)
}
