package tray

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/zavera/zavera/ui/i18n"
)

func TestNoSessionBus(t *testing.T) {
	if !needsSessionBus(runtime.GOOS) {
		t.Skip("this system's tray needs no session bus")
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	if _, err := Start(Menu{Lang: i18n.English}); !errors.Is(err, ErrNoSessionBus) {
		t.Fatalf("Start without a bus: %v", err)
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
	if _, err := Start(Menu{Lang: i18n.English}); !errors.Is(err, ErrNoSessionBus) {
		t.Fatalf("Start with a dead bus: %v", err)
	}
}

// sessionBus starts a private D-Bus session daemon for the test.
func sessionBus(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("dbus-daemon (Debian package dbus-daemon): %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(addr)
}

type node struct {
	id    int32
	label string
	kids  []node
}

// layout reads the exported menu as a desktop's tray host would.
func layout(t *testing.T, conn *dbus.Conn, name string) []node {
	t.Helper()
	var rev uint32
	var root struct {
		ID    int32
		Props map[string]dbus.Variant
		Kids  []dbus.Variant
	}
	call := conn.Object(name, "/StatusNotifierMenu").Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{})
	if call.Err != nil {
		t.Fatalf("GetLayout: %v", call.Err)
	}
	if err := call.Store(&rev, &root); err != nil {
		t.Fatalf("GetLayout reply: %v", err)
	}
	return kids(root.Kids)
}

func kids(vs []dbus.Variant) []node {
	var out []node
	for _, v := range vs {
		parts, ok := v.Value().([]any)
		if !ok || len(parts) != 3 {
			continue
		}
		n := node{id: parts[0].(int32)}
		props, _ := parts[1].(map[string]dbus.Variant)
		if l, ok := props["label"]; ok {
			n.label, _ = l.Value().(string)
		}
		if vis, ok := props["visible"]; ok && vis.Value() == false {
			continue
		}
		sub, _ := parts[2].([]dbus.Variant)
		n.kids = kids(sub)
		out = append(out, n)
	}
	return out
}

func find(ns []node, label string) (node, bool) {
	for _, n := range ns {
		if n.label == label {
			return n, true
		}
		if k, ok := find(n.kids, label); ok {
			return k, true
		}
	}
	return node{}, false
}

func labels(ns []node) string {
	var b strings.Builder
	for _, n := range ns {
		fmt.Fprintf(&b, "%q ", n.label)
		if len(n.kids) > 0 {
			b.WriteString("[ " + labels(n.kids) + "] ")
		}
	}
	return b.String()
}

func TestTrayOnSessionBus(t *testing.T) {
	addr := sessionBus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	var mu sync.Mutex
	var paused []bool
	opened, quit := 0, 0
	tr, err := Start(Menu{Lang: i18n.Russian,
		Open:  func() { mu.Lock(); opened++; mu.Unlock() },
		Pause: func(p bool) { mu.Lock(); paused = append(paused, p); mu.Unlock() },
		Quit:  func() { mu.Lock(); quit++; mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Stop()
	if _, err := Start(Menu{}); !errors.Is(err, ErrStarted) {
		t.Fatalf("second Start: %v", err)
	}
	tr.SetTokens(2)
	tr.SetSites([]string{"https://lk.gosuslugi.ru", "https://nalog.example"})

	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	name := fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", os.Getpid())
	var menu []node
	deadline := time.Now().Add(5 * time.Second)
	for {
		menu = layout(t, conn, name)
		if _, ok := find(menu, "https://nalog.example"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("menu never listed the sites: %s", labels(menu))
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range []string{"Zavera работает · 2 токена", "Одобренные сайты", "https://lk.gosuslugi.ru", "Открыть Zavera", "Приостановить подписание", "Выйти"} {
		if _, ok := find(menu, want); !ok {
			t.Errorf("menu lacks %q: %s", want, labels(menu))
		}
	}
	if _, ok := find(menu, "(нет)"); ok {
		t.Errorf("menu says no sites: %s", labels(menu))
	}

	click := func(label string) {
		t.Helper()
		n, ok := find(layout(t, conn, name), label)
		if !ok {
			t.Fatalf("no item %q", label)
		}
		call := conn.Object(name, "/StatusNotifierMenu").Call("com.canonical.dbusmenu.Event", 0, n.id, "clicked", dbus.MakeVariant(""), uint32(0))
		if call.Err != nil {
			t.Fatalf("click %q: %v", label, call.Err)
		}
	}
	wait := func(cond func() bool, what string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			mu.Lock()
			ok := cond()
			mu.Unlock()
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("never: %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	click("Приостановить подписание")
	wait(func() bool { return len(paused) == 1 && paused[0] }, "paused")
	if _, ok := find(layout(t, conn, name), "Возобновить подписание"); !ok || !tr.Paused() {
		t.Fatalf("after pause: %s", labels(layout(t, conn, name)))
	}
	click("Возобновить подписание")
	wait(func() bool { return len(paused) == 2 && !paused[1] }, "resumed")
	click("Открыть Zavera")
	wait(func() bool { return opened == 1 }, "opened")
	click("Выйти")
	wait(func() bool { return quit == 1 }, "quit")
	tr.Stop()
	tr.Stop()
}
