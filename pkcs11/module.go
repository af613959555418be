package pkcs11

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	p11 "github.com/miekg/pkcs11"
)

// Module describes one PKCS#11 module that was tried: its path, what it
// says about itself once loaded, or why it could not be loaded.
type Module struct {
	Path         string `json:"path"`
	Description  string `json:"description,omitempty"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Version      string `json:"version,omitempty"`
	// Err says why the module is unusable (wraps ErrModuleLoad); nil
	// when it loaded.
	Err error `json:"-"`
}

// module is a loaded and initialised module, shared by every Manager of
// the process: PKCS#11 allows one C_Initialize per process and module.
type module struct {
	path string // the key in loaded: the resolved file path
	be   backend
	info p11.Info
	refs int
	// finalize is false when someone else in the process had initialised
	// the module before us; then we must not finalise it.
	finalize bool

	// The C_WaitForSlotEvent thread (see watch).
	waitMu    sync.Mutex
	waitState int
	waitSubs  map[chan struct{}]bool
	waitDone  chan struct{}
}

const (
	waitUnknown = iota
	waitRunning
	waitUnsupported // or stopped after an error
)

// loader loads modules; tests replace it to hand out fakes.
type loader func(path string) (backend, error)

var (
	loadedMu sync.Mutex
	loaded   = map[string]*module{}
)

// loadMiekg loads a real module through miekg/pkcs11.
func loadMiekg(path string) (backend, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	name, err := moduleLoadName(path)
	if err != nil {
		return nil, err
	}
	ctx := p11.New(name)
	if ctx == nil {
		return nil, errors.New(loadFailureReason(path))
	}
	return miekgBackend{Ctx: ctx, waiter: openSlotWaiter(path)}, nil
}

// acquire loads and initialises the module at path, or takes one more
// reference to it when it is loaded already the same way (kind: "" in
// this process, "host:" isolated).
func acquire(path string, load loader, kind string) (*module, error) {
	file := path
	if real, err := filepath.EvalSymlinks(path); err == nil {
		file = real
	}
	key := kind + file
	loadedMu.Lock()
	defer loadedMu.Unlock()
	if m, ok := loaded[key]; ok {
		m.refs++
		return m, nil
	}
	be, err := load(file)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrModuleLoad, path, err)
	}
	m := &module{path: key, be: be, refs: 1, finalize: true}
	if err := be.Initialize(); err != nil {
		if code, ok := codeOf(err); ok && code == p11.CKR_CRYPTOKI_ALREADY_INITIALIZED {
			m.finalize = false
		} else {
			be.Destroy()
			return nil, fmt.Errorf("%w: %s: C_Initialize: %v", ErrModuleLoad, path, err)
		}
	}
	info, err := be.GetInfo()
	if err != nil {
		if m.finalize {
			be.Finalize()
		}
		be.Destroy()
		return nil, fmt.Errorf("%w: %s: C_GetInfo: %v", ErrModuleLoad, path, err)
	}
	m.info = info
	loaded[key] = m
	return m, nil
}

// release drops a reference; the last one finalises and unloads.
func (m *module) release() {
	loadedMu.Lock()
	defer loadedMu.Unlock()
	m.refs--
	if m.refs > 0 {
		return
	}
	delete(loaded, m.path)
	if m.finalize {
		m.be.Finalize()
	}
	m.waitMu.Lock()
	done := m.waitDone
	m.waitMu.Unlock()
	if done != nil {
		// C_Finalize makes a blocked C_WaitForSlotEvent return. Should the
		// module not do so, it stays loaded: unloading it under a thread
		// would crash the process.
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			return
		}
	}
	m.be.Destroy()
}

func (m *module) describe(path string) Module {
	return Module{
		Path:         path,
		Description:  m.info.LibraryDescription,
		Manufacturer: m.info.ManufacturerID,
		Version:      fmt.Sprintf("%d.%d", m.info.LibraryVersion.Major, m.info.LibraryVersion.Minor),
	}
}

// watch registers kick to get a value (dropped when one is pending) on
// every slot event the module reports through C_WaitForSlotEvent,
// starting the thread that waits for them. It returns false when the
// module cannot report events: the caller polls.
func (m *module) watch(kick chan struct{}) bool {
	m.waitMu.Lock()
	defer m.waitMu.Unlock()
	if m.waitState == waitUnknown {
		// Probe without blocking: CKR_NO_EVENT or an event means support.
		_, err := m.be.WaitForSlotEvent(p11.CKF_DONT_BLOCK)
		if code, ok := codeOf(err); err != nil && (!ok || code != p11.CKR_NO_EVENT) {
			m.waitState = waitUnsupported
			return false
		}
		m.waitState = waitRunning
		m.waitSubs = map[chan struct{}]bool{}
		m.waitDone = make(chan struct{})
		go m.waitLoop()
	}
	if m.waitState != waitRunning {
		return false
	}
	m.waitSubs[kick] = true
	return true
}

// unwatch removes a kick channel registered by watch.
func (m *module) unwatch(kick chan struct{}) {
	m.waitMu.Lock()
	defer m.waitMu.Unlock()
	delete(m.waitSubs, kick)
}

// waitLoop blocks in C_WaitForSlotEvent and passes each event on. It ends
// when the module is finalised (or fails), and never spins: a module that
// returns at once without an event is left alone. When an isolated
// module's host fails, the watchers look at the slots again (starting the
// next host) and the wait goes on in the next host, a second later.
func (m *module) waitLoop() {
	defer close(m.waitDone)
	for {
		_, err := m.be.WaitForSlotEvent(0)
		if errors.Is(err, ErrModuleFailed) {
			// The module's host failed (or waits to be started again):
			// the slots are looked at again (which starts the next
			// host), and the wait goes on in the next host.
			m.kick()
			time.Sleep(time.Second)
			continue
		}
		if err != nil {
			m.waitMu.Lock()
			m.waitState = waitUnsupported
			m.waitMu.Unlock()
			return
		}
		m.kick()
		// Bursts (removal and insertion) are read in one look anyway.
		time.Sleep(10 * time.Millisecond)
	}
}

// kick wakes every watcher registered with watch.
func (m *module) kick() {
	m.waitMu.Lock()
	defer m.waitMu.Unlock()
	for ch := range m.waitSubs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// hostGen tells which host of an isolated module is current (see
// hostBackend.gen); 0 for a module in this process.
func (m *module) hostGen() uint64 {
	if hb, ok := m.be.(*hostBackend); ok {
		return hb.gen.Load()
	}
	return 0
}
