//go:build windows

package userpipe

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

// testName is a pipe of this test's own.
func testName(t *testing.T) string {
	t.Helper()
	n, err := Name("zavera-test", fmt.Sprintf("%s-%d-%d", t.Name(), os.Getpid(), time.Now().UnixNano()))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// serveOne answers each client's line with "you said LINE" after
// checking its user, until the listener closes.
func serveOne(t *testing.T, ln net.Listener, checked chan<- error) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			err := CheckClient(c)
			if checked != nil {
				checked <- err
			}
			if err != nil {
				return
			}
			c.SetDeadline(time.Now().Add(10 * time.Second))
			line, err := bufio.NewReader(c).ReadString('\n')
			if err != nil {
				return
			}
			io.WriteString(c, "you said "+line)
		}()
	}
}

func TestMain(m *testing.M) {
	// As a child: dial the pipe named in the environment, say "show" and
	// print the answer. USERPIPE_TEST_AGENT names the agent's channel by
	// its path in the state folder, as cmd/zavera names it; the Wine
	// check of .ci/wine-test asks a running zavera.exe that way.
	name := os.Getenv("USERPIPE_TEST_DIAL")
	if path := os.Getenv("USERPIPE_TEST_AGENT"); path != "" {
		var err error
		if name, err = Name("zavera", strings.ToLower(filepath.Clean(path))); err != nil {
			fmt.Println("name:", err)
			os.Exit(2)
		}
	}
	if name != "" {
		c, err := Dial(name, 5*time.Second)
		if err != nil {
			fmt.Println("dial:", err)
			os.Exit(2)
		}
		io.WriteString(c, "show\n")
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		fmt.Print(line)
		if err != nil {
			fmt.Println("read:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Another process of the same user reaches the server and gets its
// answer; the server sees it as the same user.
func TestAnotherProcessGetsTheAnswer(t *testing.T) {
	name := testName(t)
	ln, err := Listen(name)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	checked := make(chan error, 4)
	go serveOne(t, ln, checked)
	for i := 0; i < 2; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "USERPIPE_TEST_DIAL="+name)
		out, err := cmd.CombinedOutput()
		if err != nil || string(out) != "you said show\n" {
			t.Fatalf("client %d: %v, output %q", i, err, out)
		}
		if err := <-checked; err != nil {
			t.Fatalf("client %d: the server refused the user's own process: %v", i, err)
		}
	}
}

// A second Listen on a name in use fails, and the first keeps serving.
func TestSecondListenRefused(t *testing.T) {
	name := testName(t)
	ln, err := Listen(name)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go serveOne(t, ln, nil)
	if ln2, err := Listen(name); !errors.Is(err, ErrExists) {
		if ln2 != nil {
			ln2.Close()
		}
		t.Fatalf("second Listen: %v, want ErrExists", err)
	}
	c, err := Dial(name, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "still\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || line != "you said still\n" {
		t.Fatalf("answer %q, %v", line, err)
	}
}

// The pipe's DACL is protected and names only the user and SYSTEM.
func TestOnlyUserAndSystem(t *testing.T) {
	name := testName(t)
	ln, err := Listen(name)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go serveOne(t, ln, nil)
	c, err := Dial(name, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sd, err := windows.GetSecurityInfo(c.(*pipeConn).h, windows.SE_KERNEL_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	me, err := currentUser()
	if err != nil {
		t.Fatal(err)
	}
	s := sd.String()
	i := strings.Index(s, "D:")
	if i < 0 {
		t.Fatalf("no DACL in %s", s)
	}
	dacl := s[i:]
	if !strings.HasPrefix(dacl, "D:P") {
		t.Errorf("DACL %s is not protected", dacl)
	}
	aces := strings.Split(strings.TrimSuffix(strings.TrimPrefix(dacl[3:], "("), ")"), ")(")
	if len(aces) != 2 {
		t.Fatalf("DACL %s: %d entries, want 2", dacl, len(aces))
	}
	for _, who := range []string{me.String(), "SY"} {
		found := false
		for _, a := range aces {
			if strings.HasPrefix(a, "A;") && strings.HasSuffix(a, ";"+who) {
				found = true
			}
		}
		if !found {
			t.Errorf("DACL %s does not allow %s", dacl, who)
		}
	}
}

// A client that says nothing does not hold the server: reads honour
// deadlines. Close ends a waiting Accept.
func TestDeadlineAndClose(t *testing.T) {
	name := testName(t)
	ln, err := Listen(name)
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	c, err := Dial(name, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := <-accepted
	defer s.Close()
	s.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	var b [1]byte
	if _, err := s.Read(b[:]); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read from a silent client: %v, want a deadline error", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := ln.Accept()
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	ln.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Accept after Close: %v, want net.ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Accept still waits after Close")
	}
	if _, err := Dial(name, 200*time.Millisecond); err == nil {
		t.Fatal("Dial reached a closed pipe")
	}
}
