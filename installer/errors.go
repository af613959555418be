package installer

import (
	"errors"
	"fmt"
)

var (
	// ErrToolMissing means an external tool a step needs is not
	// installed (certutil, update-ca-certificates).
	ErrToolMissing = errors.New("installer: tool not installed")
	// ErrNeedsRoot means a system step was asked of a user who cannot
	// write the system folders.
	ErrNeedsRoot = errors.New("installer: needs administrator rights")
	// ErrBadOrigin means a portal origin for the browser policies is not
	// an https origin.
	ErrBadOrigin = errors.New("installer: bad portal origin")
)

// errSymlink refuses a link where root would write into a user's home.
var errSymlink = errors.New("installer: a symbolic link where a folder was expected")

// StepError is the failure of one step of an installation.
type StepError struct {
	Step string // what was being done, for instance "NSS database"
	Path string // the file or folder concerned, if any
	Err  error
}

func (e *StepError) Error() string {
	if e.Path != "" {
		return fmt.Sprintf("installer: %s %s: %v", e.Step, e.Path, e.Err)
	}
	return fmt.Sprintf("installer: %s: %v", e.Step, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

var (
	// ErrRootStore means Windows' certificate store could not be opened
	// or changed.
	ErrRootStore = errors.New("installer: Windows certificate store")
	// ErrRootStoreRefused means the user answered No to Windows' question
	// whether to trust the local CA.
	ErrRootStoreRefused = errors.New("installer: the user refused to trust the local CA")
)
