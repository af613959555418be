package agent

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"unicode/utf8"

	"github.com/zavera/zavera/agent/journal"
	"github.com/zavera/zavera/internal/displaytext"
)

// method is one entry of the closed set of methods.
type method struct {
	// open methods may be called before the origin is approved.
	open bool
	// inline methods are quick and run in the read loop, in order.
	inline bool
	run    func(c *conn, ctx context.Context, req *request) (any, error)
}

var methods map[string]method

func init() {
	methods = map[string]method{
		"hello":          {open: true, inline: true, run: (*conn).hello},
		"pair":           {open: true, run: (*conn).pair},
		"cancel":         {open: true, inline: true, run: (*conn).cancelMethod},
		"info":           {inline: true, run: (*conn).info},
		"tokens":         {run: (*conn).tokensMethod},
		"certificates":   {run: (*conn).certificates},
		"sign":           {run: (*conn).sign},
		"signBatch":      {run: (*conn).signBatch},
		"signChallenge":  {run: (*conn).signChallenge},
		"cosign":         {run: (*conn).cosign},
		"signHash":       {run: (*conn).signHash},
		"verify":         {run: (*conn).verify},
		"enhance":        {run: (*conn).enhanceMethod},
		"signXML":        {run: (*conn).signXML},
		"verifyXML":      {run: (*conn).verifyXML},
		"hashStart":      {inline: true, run: (*conn).hashStart},
		"hashUpdate":     {inline: true, run: (*conn).hashUpdate},
		"hashFinish":     {inline: true, run: (*conn).hashFinish},
		"documentOpen":   {run: (*conn).documentOpen},
		"documentChunk":  {inline: true, run: (*conn).documentChunk},
		"documentCancel": {inline: true, run: (*conn).documentCancel},
		"subscribe":      {inline: true, run: (*conn).subscribe},
		"unsubscribe":    {inline: true, run: (*conn).unsubscribe},
	}
}

// methodNames lists the methods for info.
func methodNames() []string {
	out := make([]string, 0, len(methods))
	for n := range methods {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// admit checks the version handshake and the origin's approval before a
// method runs. Before approval a page learns nothing but the protocol
// version.
func (c *conn) admit(name string, m method) error {
	c.mu.Lock()
	proto := c.protocol
	c.mu.Unlock()
	if proto == 0 && name != "hello" {
		return &rpcError{CodeInvalidRequest, "call hello first"}
	}
	if !m.open && !c.approved() {
		return fmt.Errorf("%w: %s is not approved", ErrOriginNotAllowed, c.origin)
	}
	return nil
}

type helloParams struct {
	// Protocols lists the versions the page speaks.
	Protocols []int  `json:"protocols"`
	Client    string `json:"client,omitempty"`
}

type helloResult struct {
	Protocol int  `json:"protocol"`
	Approved bool `json:"approved"`
	// StatePortal is set when the configuration lists the origin in
	// statePortalOrigins: the extension then serves the state services
	// portal's plug-in interfaces there too.
	StatePortal bool `json:"statePortal,omitempty"`
}

func (c *conn) hello(_ context.Context, req *request) (any, error) {
	var p helloParams
	if err := decodeParams(req.Params, &p); err != nil {
		return nil, err
	}
	chosen := 0
	for _, v := range p.Protocols {
		if v == ProtocolVersion {
			chosen = v
		}
	}
	if chosen == 0 {
		return nil, badParams("no common protocol version: the agent speaks %d", ProtocolVersion)
	}
	c.mu.Lock()
	c.protocol = chosen
	c.mu.Unlock()
	return helloResult{Protocol: chosen, Approved: c.approved(), StatePortal: c.s.statePortal(c.origin)}, nil
}

type pairResult struct {
	Approved bool `json:"approved"`
}

type pairingNotice struct {
	Request json.RawMessage `json:"request"`
	Code    string          `json:"code"`
}

func (c *conn) pair(ctx context.Context, req *request) (any, error) {
	if err := decodeParams(req.Params, &struct{}{}); err != nil {
		return nil, err
	}
	if c.approved() {
		return pairResult{Approved: true}, nil
	}
	// Pairing prompts go one at a time across sites, with a cool-down per
	// site and a budget per minute that no one site can use up
	// (pairingGate).
	turn, err := c.s.gate.pairing.acquire(ctx, c.origin)
	if err != nil {
		return nil, err
	}
	if c.approved() { // approved while this request waited its turn
		turn.release(nil)
		return pairResult{Approved: true}, nil
	}
	if err := turn.charge(); err != nil {
		turn.release(errNoPrompt)
		return nil, err
	}
	code, err := pairingCode()
	if err != nil {
		turn.release(errNoPrompt)
		return nil, err
	}
	c.notify("pairing", pairingNotice{Request: req.ID, Code: code})
	err = c.s.gate.ask(ctx, func(ctx context.Context) error {
		return c.s.prompter.ApproveOrigin(ctx, OriginRequest{Origin: c.origin, PairingCode: code})
	})
	if err != nil {
		turn.release(err)
		c.s.record(journal.Record{Event: journal.EventConsent, Origin: c.origin,
			Outcome: journal.OutcomeRefused, Reason: CodeOf(err).Reason()})
		if CodeOf(err) == CodeBusy {
			return nil, err
		}
		return nil, fmt.Errorf("%w: user did not approve: %v", ErrOriginNotAllowed, err)
	}
	// The approval is in force before the slot is free, so that a pair
	// request that waited for it finds the origin approved.
	err = c.s.approvals.Add(c.origin, c.s.now())
	turn.release(nil)
	if err != nil {
		return nil, err
	}
	if err := c.s.record(journal.Record{Event: journal.EventConsent, Origin: c.origin, Outcome: journal.OutcomeApproved}); err != nil {
		return nil, err
	}
	return pairResult{Approved: true}, nil
}

// pairingCode returns six random digits as "123-456".
func pairingCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1000000))
	if err != nil {
		return "", fmt.Errorf("agent: pairing code: %w", err)
	}
	s := fmt.Sprintf("%06d", n.Int64())
	return s[:3] + "-" + s[3:], nil
}

type cancelParams struct {
	ID json.RawMessage `json:"id"`
}

type cancelResult struct {
	Cancelled bool `json:"cancelled"`
}

func (c *conn) cancelMethod(_ context.Context, req *request) (any, error) {
	var p cancelParams
	if err := decodeParams(req.Params, &p); err != nil {
		return nil, err
	}
	if len(p.ID) == 0 || !validID(p.ID) {
		return nil, badParams("id must be the string or number of a request")
	}
	return cancelResult{Cancelled: c.cancelRequest(p.ID)}, nil
}

type infoResult struct {
	Agent        string       `json:"agent"`
	Version      string       `json:"version"`
	Protocol     int          `json:"protocol"`
	Methods      []string     `json:"methods"`
	Capabilities capabilities `json:"capabilities"`
	Limits       infoLimits   `json:"limits"`
}

// capabilities says what the agent can make, so that a page picks a way
// that works instead of trying.
type capabilities struct {
	Formats       []string `json:"formats"`
	Modes         []string `json:"modes"`
	KeyAlgorithms []string `json:"keyAlgorithms"`
	Digests       []string `json:"digests"`
	TLS           bool     `json:"tls"`
}

type infoLimits struct {
	MaxMessageBytes int64 `json:"maxMessageBytes"`
	MaxInFlight     int   `json:"maxInFlight"`
	MaxBatch        int   `json:"maxBatch"`
}

func (c *conn) info(_ context.Context, req *request) (any, error) {
	if err := decodeParams(req.Params, &struct{}{}); err != nil {
		return nil, err
	}
	l := c.s.cfg.Limits
	return infoResult{
		Agent: "Zavera", Version: c.s.version, Protocol: ProtocolVersion,
		Methods: methodNames(),
		Capabilities: capabilities{
			Formats:       []string{"CAdES-BES", "XMLDSig"},
			Modes:         []string{"detached", "attached", "hash", "batch", "challenge"},
			KeyAlgorithms: []string{"GOST R 34.10-2012 256", "GOST R 34.10-2012 512", "ECDSA", "RSA"},
			Digests:       []string{"Streebog-256", "Streebog-512", "SHA-256", "SHA-384", "SHA-512"},
			TLS:           c.s.tlsConf != nil,
		},
		Limits: infoLimits{MaxMessageBytes: l.MaxMessageBytes, MaxInFlight: l.MaxInFlight, MaxBatch: l.MaxBatch},
	}, nil
}

type tokensResult struct {
	Tokens []Token `json:"tokens"`
}

func (c *conn) tokensMethod(ctx context.Context, req *request) (any, error) {
	if err := decodeParams(req.Params, &struct{}{}); err != nil {
		return nil, err
	}
	ts, err := c.s.tokens.Tokens(ctx)
	if err != nil {
		return nil, err
	}
	if ts == nil {
		ts = []Token{}
	}
	return tokensResult{Tokens: ts}, nil
}

type subscribeResult struct {
	Subscribed bool `json:"subscribed"`
}

func (c *conn) subscribe(_ context.Context, req *request) (any, error) {
	if err := decodeParams(req.Params, &struct{}{}); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.unsub == nil {
		if c.events == nil {
			c.events = make(chan TokenEvent, eventQueue)
			go c.writeEvents()
		}
		c.unsub = c.s.tokens.Subscribe(func(e TokenEvent) {
			// Never block the token source on a slow page: its events
			// queue, and are dropped when the queue is full.
			select {
			case c.events <- e:
			default:
				c.s.log.Info("event dropped for a slow page", "origin", c.origin)
			}
		})
	}
	return subscribeResult{Subscribed: true}, nil
}

// eventQueue is how many token events may wait for a slow page.
const eventQueue = 16

// writeEvents sends queued token events until the connection ends.
func (c *conn) writeEvents() {
	for {
		select {
		case <-c.ctx.Done():
			return
		case e := <-c.events:
			if c.approved() {
				c.notify("event", e)
			}
		}
	}
}

func (c *conn) unsubscribe(_ context.Context, req *request) (any, error) {
	if err := decodeParams(req.Params, &struct{}{}); err != nil {
		return nil, err
	}
	c.mu.Lock()
	unsub := c.unsub
	c.unsub = nil
	c.mu.Unlock()
	if unsub != nil {
		unsub()
	}
	return subscribeResult{Subscribed: false}, nil
}

// cleanText makes page-supplied text safe to show: valid UTF-8, at most
// max runes, then made one line without escape sequences, control, format
// or invisible characters (see internal/displaytext).
func cleanText(s string, max int) (string, error) {
	if !utf8.ValidString(s) {
		return "", badParams("text is not valid UTF-8")
	}
	if utf8.RuneCountInString(s) > max {
		return "", &rpcError{CodeTooLarge, fmt.Sprintf("text longer than %d characters", max)}
	}
	return displaytext.Line(s), nil
}
