package agent

// use runs one operation with the granted key, as sign does for a CMS
// signature: the first operation may log in, a wrong PIN is asked again,
// and the prompt slot is released after it. sign, cosign and signHash
// use it.
func (g *grant) use(op func(Key) error) error {
	var err error
	for {
		err = op(g.key)
		if g.signed || err == nil || !g.retryPIN(err) {
			break
		}
		g.pin.attempts++
	}
	if !g.signed {
		g.signed = true
		g.fail(err)
		g.release(err)
	}
	return err
}
