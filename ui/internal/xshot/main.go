// Command xshot saves what an X display shows as a PNG: the whole screen,
// or the window whose name contains a given text (cropped to it), waiting
// for the window to appear. `make screenshots` uses it under Xvfb to
// picture Zavera's windows as the X server has them, independently of
// Fyne's own capture.
package main

/*
#cgo pkg-config: x11
#include <stdlib.h>
#include <string.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>

static unsigned long pixel_at(XImage *img, int x, int y) { return XGetPixel(img, x, y); }
static void destroy_image(XImage *img) { XDestroyImage(img); }

// find_window searches the tree below w for a viewable window whose name
// contains text, and returns it or 0.
static Window find_window(Display *d, Window w, const char *text) {
	char *name = NULL;
	XWindowAttributes a;
	if (XFetchName(d, w, &name) && name) {
		int hit = strstr(name, text) != NULL;
		XFree(name);
		if (hit && XGetWindowAttributes(d, w, &a) && a.map_state == IsViewable) return w;
	}
	Window root, parent, *kids = NULL;
	unsigned int n = 0;
	if (!XQueryTree(d, w, &root, &parent, &kids, &n)) return 0;
	Window found = 0;
	for (unsigned int i = 0; i < n && !found; i++) found = find_window(d, kids[i], text);
	if (kids) XFree(kids);
	return found;
}

// find_top returns the largest viewable top-level window, or 0.
static Window find_top(Display *d, Window rootw) {
	Window root, parent, *kids = NULL;
	unsigned int n = 0;
	if (!XQueryTree(d, rootw, &root, &parent, &kids, &n)) return 0;
	Window best = 0;
	long area = 0;
	for (unsigned int i = 0; i < n; i++) {
		XWindowAttributes a;
		if (XGetWindowAttributes(d, kids[i], &a) && a.map_state == IsViewable && (long)a.width * a.height > area && a.width > 50) {
			best = kids[i];
			area = (long)a.width * a.height;
		}
	}
	if (kids) XFree(kids);
	return best;
}
*/
import "C"

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"time"
	"unsafe"
)

func main() {
	out := flag.String("o", "screen.png", "output PNG")
	name := flag.String("window", "", "picture only the window whose name contains this text")
	top := flag.Bool("top", false, "picture only the largest top-level window")
	wait := flag.Duration("wait", 10*time.Second, "how long to wait for the window")
	settle := flag.Duration("settle", 500*time.Millisecond, "pause after the window appears, for it to draw")
	flag.Parse()
	if err := shoot(*out, *name, *top, *wait, *settle); err != nil {
		fmt.Fprintln(os.Stderr, "xshot:", err)
		os.Exit(1)
	}
}

func shoot(out, name string, top bool, wait, settle time.Duration) error {
	d := C.XOpenDisplay(nil)
	if d == nil {
		return fmt.Errorf("cannot open display %q", os.Getenv("DISPLAY"))
	}
	defer C.XCloseDisplay(d)
	root := C.XDefaultRootWindow(d)
	target := root
	if name != "" || top {
		cname := C.CString(name)
		defer C.free(unsafe.Pointer(cname))
		deadline := time.Now().Add(wait)
		for {
			var w C.Window
			if top {
				w = C.find_top(d, root)
			} else {
				w = C.find_window(d, root, cname)
			}
			if w != 0 {
				target = w
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("no window named %q within %v", name, wait)
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(settle)
	}
	var a, ra C.XWindowAttributes
	if C.XGetWindowAttributes(d, target, &a) == 0 || C.XGetWindowAttributes(d, root, &ra) == 0 {
		return fmt.Errorf("window attributes")
	}
	// Read the window's area from the root window, clipped to the screen,
	// so that a window partly off screen or being resized cannot fail.
	var x, y C.int
	var child C.Window
	C.XTranslateCoordinates(d, target, root, 0, 0, &x, &y, &child)
	x, y = max(x, 0), max(y, 0)
	a.width, a.height = min(a.width, ra.width-x), min(a.height, ra.height-y)
	if a.width <= 0 || a.height <= 0 {
		return fmt.Errorf("window off screen")
	}
	ximg := C.XGetImage(d, root, x, y, C.uint(a.width), C.uint(a.height), C.AllPlanes, C.ZPixmap)
	if ximg == nil {
		return fmt.Errorf("XGetImage failed")
	}
	defer C.destroy_image(ximg)
	w, h := int(a.width), int(a.height)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rm, gm, bm := uint64(ximg.red_mask), uint64(ximg.green_mask), uint64(ximg.blue_mask)
	for y := range h {
		for x := range w {
			p := uint64(C.pixel_at(ximg, C.int(x), C.int(y)))
			img.SetRGBA(x, y, color.RGBA{scale(p, rm), scale(p, gm), scale(p, bm), 255})
		}
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// scale extracts the channel under mask and scales it to 8 bits.
func scale(p, mask uint64) uint8 {
	if mask == 0 {
		return 0
	}
	shift := 0
	for mask&1 == 0 {
		mask >>= 1
		shift++
	}
	v := (p >> shift) & mask
	return uint8(v * 255 / mask)
}
