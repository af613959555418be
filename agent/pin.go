package agent

// PIN holds a PIN typed by the user. It is allocated once, handed to the
// token source, and wiped by the agent as soon as the login is done; it is
// never logged, stored or sent over the websocket. String and GoString
// print a mask so that a PIN cannot leak through a log statement.
type PIN struct {
	b []byte
}

// NewPIN copies b into a new PIN. Callers wipe b themselves.
func NewPIN(b []byte) *PIN {
	p := &PIN{b: make([]byte, len(b))}
	copy(p.b, b)
	return p
}

// Bytes returns the PIN. The slice is the PIN's own storage: it becomes all
// zeros after Wipe, and callers must not keep it.
func (p *PIN) Bytes() []byte {
	if p == nil {
		return nil
	}
	return p.b
}

// Len returns the PIN's length.
func (p *PIN) Len() int { return len(p.Bytes()) }

// Wipe overwrites the PIN with zeros. It is safe to call more than once
// and on nil.
func (p *PIN) Wipe() {
	if p == nil {
		return
	}
	for i := range p.b {
		p.b[i] = 0
	}
	p.b = p.b[:0]
}

func (p *PIN) String() string   { return "PIN(****)" }
func (p *PIN) GoString() string { return "PIN(****)" }
