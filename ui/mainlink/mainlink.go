// Package mainlink is the exchange between the agent and the main window
// it opened (`zavera-ui main --agent-link`): the window's standard output
// carries its requests to the agent, its standard input the agent's
// answers, one JSON object a line, one request at a time.
//
// # Rules
//
//   - Only the agent that started the window process answers; the pipes
//     are the process's own, so no other program and no page can reach
//     them.
//   - The window asks for the tokens as the agent sees them ("tokens") and
//     for a login to a token that shows its certificates only after one
//     ("login"). The agent asks the PIN for a login in its own PIN window:
//     no PIN ever crosses this link.
//   - Errors cross as stable codes (ErrWrongPIN, ErrCancelled, ErrFailed)
//     with a detail for the user to read; the agent logs the rest.
//
// # Concurrency
//
// A Client's calls are serialised; Serve answers one request after
// another until its input ends.
package mainlink

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/zavera/zavera/ui/wire"
)

// Operations of a request.
const (
	OpTokens = "tokens"
	OpLogin  = "login"
)

// Error codes of a reply.
const (
	CodeWrongPIN  = "wrongPIN"
	CodeCancelled = "cancelled"
	CodeFailed    = "failed"
)

// Errors a Client returns for the codes, and a Handler returns to send
// them.
var (
	ErrWrongPIN  = errors.New("mainlink: wrong PIN")
	ErrCancelled = errors.New("mainlink: the PIN was not given")
	ErrFailed    = errors.New("mainlink: the agent could not do it")
	// ErrClosed is a link whose other end is gone.
	ErrClosed = errors.New("mainlink: the agent is gone")
)

// Request is one request of the window.
type Request struct {
	Op    string `json:"op"`
	Token string `json:"token,omitempty"`
}

// Reply is the agent's answer.
type Reply struct {
	Error  string  `json:"error,omitempty"`
	Detail string  `json:"detail,omitempty"`
	Tokens []Token `json:"tokens,omitempty"`
}

// Token is a token as the agent gives it to pages, with its certificates.
type Token struct {
	ID                     string      `json:"id"`
	Label                  string      `json:"label"`
	Model                  string      `json:"model,omitempty"`
	Serial                 string      `json:"serial,omitempty"`
	PINLocked              bool        `json:"pinLocked,omitempty"`
	CertificatesAfterLogin bool        `json:"certificatesAfterLogin,omitempty"`
	Certificates           []wire.Cert `json:"certificates,omitempty"`
}

// Handler is the agent's side.
type Handler interface {
	Tokens() ([]Token, error)
	// Login logs the agent's token source in to the token, asking the
	// PIN in the agent's PIN window. Errors wrapping ErrWrongPIN or
	// ErrCancelled are sent with their codes, others as ErrFailed.
	Login(tokenID string) error
}

// maxLine bounds one line of the link.
const maxLine = 16 << 20

// Serve answers requests read from in with h, writing replies to out,
// until in ends.
func Serve(in io.Reader, out io.Writer, h Handler) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	enc := json.NewEncoder(out)
	for sc.Scan() {
		var req Request
		var rep Reply
		var err error
		if err = json.Unmarshal(sc.Bytes(), &req); err != nil {
			err = fmt.Errorf("%w: %w", ErrFailed, err)
		} else {
			switch req.Op {
			case OpTokens:
				rep.Tokens, err = h.Tokens()
			case OpLogin:
				err = h.Login(req.Token)
			default:
				err = fmt.Errorf("%w: unknown operation %q", ErrFailed, req.Op)
			}
		}
		if err != nil {
			rep = Reply{Error: CodeFailed, Detail: err.Error()}
			switch {
			case errors.Is(err, ErrWrongPIN):
				rep.Error = CodeWrongPIN
			case errors.Is(err, ErrCancelled):
				rep.Error = CodeCancelled
			}
		}
		if err := enc.Encode(rep); err != nil {
			return err
		}
	}
	return sc.Err()
}

// Client is the window's side.
type Client struct {
	mu  sync.Mutex
	enc *json.Encoder
	sc  *bufio.Scanner
}

// NewClient sends requests to out and reads replies from in.
func NewClient(in io.Reader, out io.Writer) *Client {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	return &Client{enc: json.NewEncoder(out), sc: sc}
}

func (c *Client) call(req Request) (Reply, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.enc.Encode(req); err != nil {
		return Reply{}, fmt.Errorf("%w: %w", ErrClosed, err)
	}
	if !c.sc.Scan() {
		return Reply{}, fmt.Errorf("%w: %v", ErrClosed, c.sc.Err())
	}
	var rep Reply
	if err := json.Unmarshal(c.sc.Bytes(), &rep); err != nil {
		return Reply{}, fmt.Errorf("%w: %w", ErrFailed, err)
	}
	switch rep.Error {
	case "":
		return rep, nil
	case CodeWrongPIN:
		return rep, fmt.Errorf("%w: %s", ErrWrongPIN, rep.Detail)
	case CodeCancelled:
		return rep, fmt.Errorf("%w: %s", ErrCancelled, rep.Detail)
	}
	return rep, fmt.Errorf("%w: %s", ErrFailed, rep.Detail)
}

// Tokens lists the tokens as the agent sees them.
func (c *Client) Tokens() ([]Token, error) {
	rep, err := c.call(Request{Op: OpTokens})
	return rep.Tokens, err
}

// Login asks the agent to log in to the token; it blocks while the
// agent's PIN window is open.
func (c *Client) Login(tokenID string) error {
	_, err := c.call(Request{Op: OpLogin, Token: tokenID})
	return err
}
