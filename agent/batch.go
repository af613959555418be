package agent

import (
	"context"
	"errors"
	"fmt"
)

type batchParams struct {
	Certificate string     `json:"certificate"`
	Description string     `json:"description"`
	Documents   []document `json:"documents"`
	// Chain says which CA certificates each signature carries (chain.go).
	Chain string `json:"chain,omitempty"`
}

type batchItem struct {
	Index     int    `json:"index"`
	Signature []byte `json:"signature,omitempty"`
	Digest    []byte `json:"digest,omitempty"`
	// Prefix and Suffix stand for Signature for an attached signature
	// of an uploaded document.
	Prefix []byte       `json:"prefix,omitempty"`
	Suffix []byte       `json:"suffix,omitempty"`
	Error  *errorObject `json:"error,omitempty"`
}

type batchResult struct {
	Results []batchItem `json:"results"`
}

// progressNotice is sent after each document of a batch.
type progressNotice struct {
	Request any    `json:"request"`
	Index   int    `json:"index"`
	Total   int    `json:"total"`
	Signed  bool   `json:"signed"`
	Reason  string `json:"reason,omitempty"`
}

// signBatch signs many documents after one confirmation and one PIN. Each
// document gets a result; a cancellation or a removed token fails the
// documents not yet signed and keeps the signatures already made.
func (c *conn) signBatch(ctx context.Context, req *request) (any, error) {
	var p batchParams
	if err := decodeParams(req.Params, &p); err != nil {
		return nil, err
	}
	if len(p.Documents) == 0 {
		return nil, badParams("documents is empty")
	}
	if len(p.Documents) > c.s.cfg.Limits.MaxBatch {
		return nil, &rpcError{CodeTooLarge, fmt.Sprintf("more than %d documents", c.s.cfg.Limits.MaxBatch)}
	}
	desc, err := cleanText(p.Description, maxDescription)
	if err != nil {
		return nil, err
	}
	mode, err := checkChain(p.Chain)
	if err != nil {
		return nil, err
	}
	tc, err := c.s.findCertificate(ctx, p.Certificate)
	if err != nil {
		return nil, err
	}
	docs := make([]decoded, len(p.Documents))
	files := make([]FileInfo, len(p.Documents))
	for i, d := range p.Documents {
		if docs[i], err = d.decode(c, tc, fmt.Sprintf("documents[%d]", i)); err != nil {
			return nil, err
		}
		files[i] = docs[i].file
	}
	g, err := c.authorise(ctx, tc, SigningRequest{
		Kind: SignBatch, Origin: c.origin, Description: desc, Files: files, Certificate: tc.Cert, Count: len(docs),
	})
	if err != nil {
		c.recordSignature(tc, desc, nil, err)
		return nil, err
	}
	defer g.close()
	g.chain = c.s.chainFor(ctx, tc, mode)
	results := make([]batchItem, len(docs))
	var stop error // once set, the remaining documents fail with it
	var lastSeq uint64
	var view BatchView // the user's view of the progress, once shown
	var userStop <-chan struct{}
	defer func() {
		if view != nil {
			view.Finish()
		}
	}()
	failed := 0
	for i, d := range docs {
		results[i].Index = i
		if stop == nil && ctx.Err() != nil {
			stop = fmt.Errorf("%w: batch cancelled", ErrCancelled)
		}
		if stop == nil && stopped(userStop) {
			stop = fmt.Errorf("%w: batch cancelled by the user", ErrCancelled)
			c.s.log.Info("batch cancelled by the user", "origin", c.origin, "signed", i-failed)
		}
		var sig, digest []byte
		err := stop
		if err == nil {
			sig, digest, err = g.sign(d)
			seq, jerr := c.writeSignature(tc, desc, digest, err)
			if jerr != nil && err == nil {
				err = jerr
			}
			lastSeq = max(lastSeq, seq)
			if err != nil && i == 0 {
				switch CodeOf(err) {
				case CodeCancelled, CodePINIncorrect, CodePINLocked:
					// Refused before any signature: the whole
					// request fails, as sign does.
					c.syncJournal(lastSeq)
					return nil, err
				}
			}
			if err != nil {
				// Whatever failed (token removed, PIN refused, device
				// error) would fail the rest too.
				stop = err
				if errors.Is(err, ErrTokenNotFound) || CodeOf(err) == CodeInternal {
					c.s.prompter.Notify(Notice{Origin: c.origin, Message: "Signing stopped: " + CodeOf(err).message() + "."})
				}
			}
		}
		if err != nil {
			failed++
			results[i].Error = newErrorObject(err)
		} else if d.uploaded && d.attached {
			parts, err := attachedAround(sig, d)
			if err != nil {
				return nil, err
			}
			results[i].Prefix, results[i].Suffix, results[i].Digest = parts.Prefix, parts.Suffix, digest
		} else {
			results[i].Signature, results[i].Digest = sig, digest
		}
		n := progressNotice{Request: req.ID, Index: i, Total: len(docs), Signed: err == nil}
		if err != nil {
			n.Reason = CodeOf(err).Reason()
		}
		c.notify("progress", n)
		if view == nil && i == 0 && stop == nil && len(docs) > 1 {
			// The PIN is behind us: from here on the batch runs by
			// itself, and the user watches it in the prompter's view.
			if pp, ok := c.s.prompter.(ProgressPrompter); ok {
				view = pp.BatchProgress(ctx, SigningRequest{
					Kind: SignBatch, Origin: c.origin, Description: desc, Files: files, Certificate: tc.Cert, Count: len(docs),
				})
				userStop = view.Cancelled()
			}
		}
		if view != nil {
			view.Update(i+1, failed)
		}
	}
	// The records reach the disk before the signatures reach the page.
	if err := c.syncJournal(lastSeq); err != nil {
		return nil, err
	}
	return batchResult{Results: results}, nil
}

// stopped reports whether ch is closed; a nil ch never is.
func stopped(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
