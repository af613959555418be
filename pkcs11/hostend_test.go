package pkcs11

import (
	"io"
	"os"
	"testing"
	"time"
)

// A host whose agent is gone (its channel ends) while the module waits
// for slot events, as the agent always has it wait, ends all the same:
// the wait would otherwise keep the process, and the token, for good.
func TestHostEndsWhenTheChannelEndsDuringAWaitForSlotEvents(t *testing.T) {
	e := newGOSTEnv(t, 10)
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer outR.Close()
	served := make(chan error, 1)
	go func() {
		served <- ServeHost(e.module, inR, outW)
		outW.Close()
	}()
	replies := newFrameReader(outR)
	if _, err := inW.Write(newEnc(1, opInitialize).finish()); err != nil {
		t.Fatal(err)
	}
	if id, status, _, _, err := replies.next(); err != nil || id != 1 || status != statusOK {
		t.Fatalf("C_Initialize: id %d status %d, %v", id, status, err)
	}
	wait := newEnc(2, opWaitForSlotEvent)
	wait.uint(0) // blocking
	if _, err := inW.Write(wait.finish()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the wait is under way in the module
	inW.Close()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("ServeHost: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the host still serves 20 s after its channel ended")
	}
	// The wait was ended, not abandoned: its answer (an error) came first.
	for {
		id, _, _, _, err := replies.next()
		if err == io.EOF {
			t.Fatal("no answer to the wait for slot events")
		}
		if err != nil {
			t.Fatal(err)
		}
		if id == 2 {
			break
		}
	}
}
