//go:build unix

package pkcs11

/*
#cgo linux LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>

static const char *probe(const char *path, int *has) {
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	*has = 0;
	if (h == NULL)
		return dlerror();
	*has = dlsym(h, "C_GetFunctionList") != NULL;
	dlclose(h);
	return NULL;
}
*/
import "C"

import "unsafe"

// loadFailureReason says why the dynamic loader refused path.
func loadFailureReason(path string) string {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var has C.int
	msg := C.probe(cpath, &has)
	if msg != nil {
		return C.GoString(msg)
	}
	if has == 0 {
		return "not a PKCS#11 module (no C_GetFunctionList)"
	}
	return "C_GetFunctionList failed"
}
