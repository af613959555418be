//go:build !windows

package main

// stopAgents: see stop_windows.go.
func stopAgents(string) (int, error) { return 0, errStopUnsupported }
