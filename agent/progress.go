package agent

import "context"

// ProgressPrompter is a Prompter that can also show a batch being signed,
// with a way for the user to stop it. The agent uses it when its Prompter
// implements it; otherwise only the page hears the progress.
type ProgressPrompter interface {
	Prompter
	// BatchProgress shows req's documents being signed, after the user
	// confirmed them and the first signature is made. It must not wait
	// for the user, and must not hold back other prompts while it shows.
	// The agent calls the returned BatchView from the batch's goroutine
	// only, and always ends with Finish. ctx ends with the batch's
	// request.
	BatchProgress(ctx context.Context, req SigningRequest) BatchView
}

// BatchView is one batch's progress as the user sees it.
type BatchView interface {
	// Update says that done documents of the batch have a result, failed
	// of them an error. It must not block.
	Update(done, failed int)
	// Cancelled is closed when the user stops the batch: the documents
	// not yet signed then fail with CodeCancelled, the signatures made
	// are kept, as when the page cancels. A view without a way to cancel
	// returns nil.
	Cancelled() <-chan struct{}
	// Finish says that every document has a result; the view may stay on
	// screen for the user to read, but the agent is done with it.
	Finish()
}
