//go:build !linux && !windows

package sessionlock

import "log/slog"

// Watch is not implemented on this system yet: it returns ErrUnsupported.
func Watch(fn func(Event), log *slog.Logger) (stop func(), err error) {
	return nil, ErrUnsupported
}
