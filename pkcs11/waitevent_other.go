//go:build !unix

package pkcs11

import p11 "github.com/miekg/pkcs11"

// slotWaiter is not available here: token events come from polling.
type slotWaiter struct{}

func openSlotWaiter(string) *slotWaiter { return nil }

func (w *slotWaiter) wait(uint) (uint, error) {
	return 0, p11.Error(p11.CKR_FUNCTION_NOT_SUPPORTED)
}

func (w *slotWaiter) close() {}
