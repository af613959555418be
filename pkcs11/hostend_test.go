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
	inW, outR, served := serveInProcess(t, e.module)
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

// The agent's C_Finalize, sent while the module waits for slot events
// (the agent always has it wait), is answered: it ends the wait instead
// of waiting for it, which would leave the host hanging for good.
func TestHostFinalizeEndsAWaitForSlotEvents(t *testing.T) {
	e := newGOSTEnv(t, 10)
	inW, outR, _ := serveInProcess(t, e.module)
	defer inW.Close()
	replies := make(chan uint32, 4)
	go func() {
		r := newFrameReader(outR)
		for {
			id, _, _, _, err := r.next()
			if err != nil {
				close(replies)
				return
			}
			replies <- id
		}
	}()
	expect := func(want uint32, what string) {
		t.Helper()
		select {
		case id, ok := <-replies:
			if !ok || id != want {
				t.Fatalf("%s: reply %d (channel open %v), want %d", what, id, ok, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no reply within 10 s", what)
		}
	}
	inW.Write(newEnc(1, opInitialize).finish())
	expect(1, "C_Initialize")
	wait := newEnc(2, opWaitForSlotEvent)
	wait.uint(0)
	inW.Write(wait.finish())
	time.Sleep(100 * time.Millisecond)
	inW.Write(newEnc(3, opFinalize).finish())
	got := map[uint32]bool{}
	for range 2 {
		select {
		case id := <-replies:
			got[id] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("replies so far %v: C_Finalize and the wait it ends are not both answered within 10 s", got)
		}
	}
	if !got[2] || !got[3] {
		t.Fatalf("replies %v, want the wait's (2) and C_Finalize's (3)", got)
	}
}

// hostWithHungCall serves module in process, initialises it, starts a
// C_GetSlotList that the module (told so beforehand) never returns from,
// and ends the channel: ServeHost must return all the same, within its
// two drains, instead of keeping the process for good.
func hostWithHungCall(t *testing.T, module string) {
	t.Helper()
	inW, outR, served := serveInProcess(t, module)
	go io.Copy(io.Discard, outR)
	inW.Write(newEnc(1, opInitialize).finish())
	list := newEnc(2, opGetSlotList)
	list.uint(1)
	inW.Write(list.finish())
	time.Sleep(200 * time.Millisecond) // the call is inside the module
	inW.Close()
	select {
	case <-served:
	case <-time.After(4*hostDrain + 5*time.Second):
		t.Fatal("the host still serves after its channel ended, behind a call hung in the module")
	}
}

func TestHostEndsWhenTheChannelEndsDuringAHungCall(t *testing.T) {
	e := newGOSTEnv(t, 10)
	e.control(t, "hang_on = C_GetSlotList")
	hostWithHungCall(t, e.module)
}

// serveInProcess runs ServeHost on module in this process over a pair of
// pipes: the agent's ends are returned (requests in, replies out), and
// ServeHost's result comes on served; the replies end with it.
func serveInProcess(t *testing.T, module string) (in, out *os.File, served chan error) {
	t.Helper()
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { outR.Close() })
	served = make(chan error, 1)
	go func() {
		served <- ServeHost(module, inR, outW)
		outW.Close()
	}()
	return inW, outR, served
}
