package installer

import (
	"crypto/sha1"
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The Root certificate stores are reached through crypt32, in the
// calling process: CertOpenStore on the system store "Root" of the
// current user (CERT_SYSTEM_STORE_CURRENT_USER) or of the machine
// (CERT_SYSTEM_STORE_LOCAL_MACHINE, which needs an administrator).
// Adding to the user's Root store makes Windows ask the user to confirm
// (a dialog naming the certificate and its thumbprint); the call returns
// once it is answered, with ERROR_CANCELLED when it is refused. The
// machine's store asks nothing.

// openRootStore opens the Root store of the machine or the user: the
// system store, or with physical its registry store alone.
func openRootStore(machine, readOnly, physical bool) (windows.Handle, error) {
	name, err := windows.UTF16PtrFromString("Root")
	if err != nil {
		return 0, err
	}
	flags := uint32(windows.CERT_SYSTEM_STORE_CURRENT_USER)
	if machine {
		flags = windows.CERT_SYSTEM_STORE_LOCAL_MACHINE
	}
	if readOnly {
		flags |= windows.CERT_STORE_OPEN_EXISTING_FLAG | windows.CERT_STORE_READONLY_FLAG
	}
	provider := uintptr(windows.CERT_STORE_PROV_SYSTEM)
	if physical {
		provider = windows.CERT_STORE_PROV_SYSTEM_REGISTRY
	}
	h, err := windows.CertOpenStore(provider, 0, 0, flags, uintptr(unsafe.Pointer(name)))
	if err != nil {
		return 0, fmt.Errorf("%w: CertOpenStore(%s): %w", ErrRootStore, rootStoreName(machine), err)
	}
	return h, nil
}

// findInStore returns the store's certificate with der's SHA-1, or nil.
// The caller frees a non-nil result with CertFreeCertificateContext.
func findInStore(store windows.Handle, der []byte) *windows.CertContext {
	sum := sha1.Sum(der)
	blob := windows.CryptHashBlob{Size: uint32(len(sum)), Data: &sum[0]}
	c, err := windows.CertFindCertificateInStore(store, windows.X509_ASN_ENCODING|windows.PKCS_7_ASN_ENCODING,
		0, windows.CERT_FIND_SHA1_HASH, unsafe.Pointer(&blob), nil)
	if err != nil {
		return nil
	}
	return c
}

// rootStoreHas reports whether the Root store holds the certificate der.
func rootStoreHas(machine bool, der []byte) (bool, error) {
	store, err := openRootStore(machine, true, false)
	if err != nil {
		return false, err
	}
	defer windows.CertCloseStore(store, 0)
	c := findInStore(store, der)
	if c == nil {
		return false, nil
	}
	windows.CertFreeCertificateContext(c)
	return true, nil
}

// rootStoreAdd puts the certificate der into the Root store; one already
// there is kept (no second dialog).
func rootStoreAdd(machine bool, der []byte) (added bool, err error) {
	store, err := openRootStore(machine, false, false)
	if err != nil {
		return false, err
	}
	defer windows.CertCloseStore(store, 0)
	if c := findInStore(store, der); c != nil {
		windows.CertFreeCertificateContext(c)
		return false, nil
	}
	c, err := windows.CertCreateCertificateContext(windows.X509_ASN_ENCODING|windows.PKCS_7_ASN_ENCODING, &der[0], uint32(len(der)))
	if err != nil {
		return false, fmt.Errorf("%w: CertCreateCertificateContext: %w", ErrRootStore, err)
	}
	defer windows.CertFreeCertificateContext(c)
	err = windows.CertAddCertificateContextToStore(store, c, windows.CERT_STORE_ADD_USE_EXISTING, nil)
	if errors.Is(err, windows.ERROR_CANCELLED) {
		return false, fmt.Errorf("%w: %s", ErrRootStoreRefused, rootStoreName(machine))
	}
	if err != nil {
		return false, fmt.Errorf("%w: CertAddCertificateContextToStore(%s): %w", ErrRootStore, rootStoreName(machine), err)
	}
	return true, nil
}

// rootStoreRemove takes the certificate der out of the Root store; it
// reports whether it was there.
func rootStoreRemove(machine bool, der []byte) (bool, error) {
	store, err := openRootStore(machine, false, true)
	if err != nil {
		return false, err
	}
	defer windows.CertCloseStore(store, 0)
	c := findInStore(store, der)
	if c == nil {
		return false, nil
	}
	// CertDeleteCertificateFromStore frees the context, even on failure.
	if err := windows.CertDeleteCertificateFromStore(c); err != nil {
		return true, fmt.Errorf("%w: CertDeleteCertificateFromStore(%s): %w", ErrRootStore, rootStoreName(machine), err)
	}
	// Windows writes the registry at once; Wine keeps a deletion until
	// the store is committed or its last reference goes, which a system
	// store's collection may outlive. Committing writes it in both.
	if r, _, err := procCertControlStore.Call(uintptr(store), 0, certStoreCtrlCommit, 0); r == 0 {
		return true, fmt.Errorf("%w: CertControlStore(%s, commit): %w", ErrRootStore, rootStoreName(machine), err)
	}
	return true, nil
}

// CertControlStore is not in x/sys/windows.
var procCertControlStore = windows.NewLazySystemDLL("crypt32.dll").NewProc("CertControlStore")

// certStoreCtrlCommit is CERT_STORE_CTRL_COMMIT.
const certStoreCtrlCommit = 4
