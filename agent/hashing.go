package agent

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
	"strconv"
	"sync"

	"github.com/zavera/zavera/gost/streebog"
)

// maxHashStates bounds the hash states one connection may hold open.
const maxHashStates = 16

// hashAlgorithms are the hashes hashStart offers, by the names info and
// the journal use.
var hashAlgorithms = map[string]func() hash.Hash{
	"Streebog-256": streebog.New256,
	"Streebog-512": streebog.New512,
	"SHA-256":      sha256.New,
	"SHA-384":      sha512.New384,
	"SHA-512":      sha512.New,
}

// hashState is one hash a page computes in pieces.
type hashState struct {
	alg    string
	h      hash.Hash
	length int64
}

// hashStates are a connection's open hashes, named by handles that mean
// nothing outside it.
type hashStates struct {
	mu     sync.Mutex
	next   int
	states map[string]*hashState
}

// connHashes holds the hash states of the connections that opened one;
// a connection's entry goes when its context ends, with every state in
// it.
var connHashes sync.Map // *conn → *hashStates

// hashes returns the connection's hash states, made on first use.
func (c *conn) hashes() *hashStates {
	if v, ok := connHashes.Load(c); ok {
		return v.(*hashStates)
	}
	v, loaded := connHashes.LoadOrStore(c, &hashStates{states: map[string]*hashState{}})
	if !loaded {
		context.AfterFunc(c.ctx, func() { connHashes.Delete(c) })
	}
	return v.(*hashStates)
}

type hashStartParams struct {
	Algorithm string `json:"algorithm"`
}

type hashStartResult struct {
	Handle string `json:"handle"`
}

type hashUpdateParams struct {
	Handle string   `json:"handle"`
	Data   jsonView `json:"data"`
}

type hashUpdateResult struct {
	Length int64 `json:"length"`
}

type hashFinishParams struct {
	Handle string `json:"handle"`
}

type hashFinishResult struct {
	Algorithm string `json:"algorithm"`
	Hash      []byte `json:"hash"`
}

// hashStart opens a hash state. The hashing methods use no key and ask
// nothing; they run in the read loop, so a page's updates apply in the
// order it sent them.
func (c *conn) hashStart(_ context.Context, req *request) (any, error) {
	var p hashStartParams
	if err := decodeParams(req.Params, &p); err != nil {
		return nil, err
	}
	newHash, ok := hashAlgorithms[p.Algorithm]
	if !ok {
		return nil, badParams("params.algorithm: unknown hash %q", truncate(p.Algorithm, 64))
	}
	hs := c.hashes()
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if len(hs.states) >= maxHashStates {
		return nil, &rpcError{CodeTooLarge, fmt.Sprintf("more than %d hashes open on the connection", maxHashStates)}
	}
	hs.next++
	handle := "h" + strconv.Itoa(hs.next)
	hs.states[handle] = &hashState{alg: p.Algorithm, h: newHash()}
	return hashStartResult{Handle: handle}, nil
}

// state finds an open hash state.
func (hs *hashStates) state(handle string) (*hashState, error) {
	st, ok := hs.states[handle]
	if !ok {
		return nil, badParams("params.handle: no open hash %q on this connection", truncate(handle, 64))
	}
	return st, nil
}

func (c *conn) hashUpdate(_ context.Context, req *request) (any, error) {
	var p hashUpdateParams
	if err := decodeParams(req.Params, &p); err != nil {
		return nil, err
	}
	var data []byte
	if len(p.Data) > 0 {
		var err error
		if data, err = b64(p.Data, "params.data"); err != nil {
			return nil, err
		}
	}
	hs := c.hashes()
	hs.mu.Lock()
	defer hs.mu.Unlock()
	st, err := hs.state(p.Handle)
	if err != nil {
		return nil, err
	}
	st.h.Write(data)
	st.length += int64(len(data))
	return hashUpdateResult{Length: st.length}, nil
}

func (c *conn) hashFinish(_ context.Context, req *request) (any, error) {
	var p hashFinishParams
	if err := decodeParams(req.Params, &p); err != nil {
		return nil, err
	}
	hs := c.hashes()
	hs.mu.Lock()
	defer hs.mu.Unlock()
	st, err := hs.state(p.Handle)
	if err != nil {
		return nil, err
	}
	delete(hs.states, p.Handle)
	return hashFinishResult{Algorithm: st.alg, Hash: st.h.Sum(nil)}, nil
}
