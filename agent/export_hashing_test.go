package agent

// OpenHashStates counts the hash states open on all connections, for the
// tests that check a closed connection frees its own.
func OpenHashStates() int {
	n := 0
	connHashes.Range(func(_, v any) bool {
		hs := v.(*hashStates)
		hs.mu.Lock()
		n += len(hs.states)
		hs.mu.Unlock()
		return true
	})
	return n
}
