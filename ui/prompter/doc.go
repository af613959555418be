// Package prompter is the agent's side of Zavera's desktop windows: an
// agent.Prompter that opens each window in a short-lived process of its
// own (`zavera-ui prompt`, cmd/zavera-ui and package ui) and reads the
// user's answer back (package ui/wire).
//
// # Why a process per window
//
// A Fyne window costs about 140 MB under a software renderer, and Fyne
// keeps typed text in strings that cannot be wiped. The agent runs all
// day: it starts the window process when a site asks something and the
// process exits after the answer, taking its memory and any copy of the
// PIN with it. The agent itself never loads a GL context, nor links Fyne:
// the windows are another program, zavera-ui, installed beside zavera.
//
// # Rules
//
//   - One window at a time, in the order asked; a prompt whose context
//     ends while it waits or shows is abandoned: the window process's
//     input is closed (it refuses and exits) and it is killed if it has
//     not gone a few seconds later.
//   - The signing window has the PIN field. A PIN typed there is held
//     for the PIN request that follows the confirmation (Options.HoldPIN
//     at most, and never across prompts of another site or kind) and
//     wiped when it is handed over or expires. A later PIN request (a
//     wrong PIN) opens a PIN window with the tries left. Certificates
//     whose token asked no PIN last time are confirmed without the field.
//   - "Allow once" approves the site for this run of the agent:
//     Options.ApprovedOnce hears of it, and the caller forgets the site
//     when the agent stops.
//   - While paused (SetPaused) every request is refused at once, with a
//     notice.
//   - With Options.Spare, a spare window process (window and GL context
//     made, waiting for its request) is started after each prompt and
//     kept for Options.SpareFor, so that the prompts that follow in a
//     session show at once; the first prompt after a quiet spell starts a
//     process cold. Close ends the spare.
//   - A batch's progress (BatchProgress, agent.ProgressPrompter) has a
//     window process of its own beside the prompts, not in their turn:
//     the agent's updates are written to it as they come (never holding
//     the batch back), the user's Cancel comes back as an answer, and the
//     window stays Options.ProgressLinger after the batch ends (not at
//     all after a cancel) before its input is closed.
//
// # Concurrency
//
// A *Prompter is safe for concurrent use.
package prompter
