//go:build unix

package pkcs11

/*
#include <dlfcn.h>
#include <stdlib.h>

typedef unsigned long (*zv_wait_fn)(unsigned long, unsigned long *, void *);

static void *zv_wait_open(const char *path, void **fn) {
	void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
	*fn = NULL;
	if (h == NULL)
		return NULL;
	*fn = dlsym(h, "C_WaitForSlotEvent");
	if (*fn == NULL) {
		dlclose(h);
		return NULL;
	}
	return h;
}

static unsigned long zv_wait(void *fn, unsigned long flags, unsigned long *slot) {
	return ((zv_wait_fn)fn)(flags, slot, NULL);
}

static void zv_wait_close(void *h) { dlclose(h); }
*/
import "C"

import (
	"unsafe"

	p11 "github.com/miekg/pkcs11"
)

// slotWaiter calls the module's C_WaitForSlotEvent, which miekg/pkcs11
// offers without its return code. It holds its own reference to the
// loaded library (dlopen of a module already loaded), so the code stays
// mapped while a thread waits in it.
type slotWaiter struct {
	handle unsafe.Pointer
	fn     unsafe.Pointer
}

// openSlotWaiter finds C_WaitForSlotEvent in the already loaded module at
// path; nil when the module does not export it.
func openSlotWaiter(path string) *slotWaiter {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var fn unsafe.Pointer
	h := C.zv_wait_open(cpath, &fn)
	if h == nil {
		return nil
	}
	return &slotWaiter{handle: h, fn: fn}
}

// wait calls C_WaitForSlotEvent(flags).
func (w *slotWaiter) wait(flags uint) (uint, error) {
	var slot C.ulong
	rv := C.zv_wait(w.fn, C.ulong(flags), &slot)
	if rv != 0 {
		return 0, p11.Error(rv)
	}
	return uint(slot), nil
}

func (w *slotWaiter) close() { C.zv_wait_close(w.handle) }
