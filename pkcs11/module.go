package pkcs11

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

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
}

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
	ctx := p11.New(path)
	if ctx == nil {
		return nil, errors.New(loadFailureReason(path))
	}
	return miekgBackend{ctx}, nil
}

// acquire loads and initialises the module at path, or takes one more
// reference to it when it is loaded already.
func acquire(path string, load loader) (*module, error) {
	key := path
	if real, err := filepath.EvalSymlinks(path); err == nil {
		key = real
	}
	loadedMu.Lock()
	defer loadedMu.Unlock()
	if m, ok := loaded[key]; ok {
		m.refs++
		return m, nil
	}
	be, err := load(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrModuleLoad, path, err)
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
