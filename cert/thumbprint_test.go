package cert

import (
	"crypto/sha1"
	"os"
	"sync"
	"testing"

	"github.com/zavera/zavera/gost/streebog"
)

// A parsed certificate's thumbprints are the hashes of its DER, the same
// from every goroutine and call, and the same for a Certificate built
// without Parse.
func TestThumbprintsCached(t *testing.T) {
	der, err := os.ReadFile("../../shared/realworld/ca_cryptopro-llc_2019_gost2012-256.der")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	wantSHA1, wantGOST := sha1.Sum(der), streebog.Sum256(der)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if c.ThumbprintSHA1() != wantSHA1 || c.ThumbprintStreebog() != wantGOST {
				t.Error("thumbprints differ from the hashes of the DER")
			}
		}()
	}
	wg.Wait()
	literal := &Certificate{Raw: der}
	if literal.ThumbprintSHA1() != wantSHA1 || literal.ThumbprintStreebog() != wantGOST {
		t.Error("a Certificate built without Parse has other thumbprints")
	}
}
