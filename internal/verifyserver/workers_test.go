package verifyserver

import (
	"bytes"
	"runtime"
	"sync"
	"testing"

	"github.com/zavera/zavera/validate"
)

// goroutineID reads the current goroutine's number from its stack trace.
func goroutineID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	f := bytes.Fields(buf)
	if len(f) < 2 {
		return ""
	}
	return string(f[1])
}

// Verifications one after another run on the same worker, which keeps
// the stack a validation grew, rather than on a new goroutine each. A
// request that comes while the last worker is still on its way back may
// start a second worker, never more.
func TestVerificationsReuseWorkers(t *testing.T) {
	s := New(Config{Anchors: []string{realworld(t, cryptoproRoot)}})
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	real := s.validate
	s.validate = func(sig []byte, o *validate.Options) (*validate.Report, error) {
		mu.Lock()
		seen[goroutineID()] = true
		mu.Unlock()
		return real(sig, o)
	}
	url, _ := start(t, s)
	sig := readFile(t, realworld(t, "cms_gost2012-256_attached_cryptopro-csp_pycryptoprosdk_sign.sig.b64"))
	const n = 10
	for range n {
		if r := postRaw(t, url, sig, ""); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) == 0 || len(seen) > 2 {
		t.Errorf("%d verifications ran on %d goroutines", n, len(seen))
	}
}
