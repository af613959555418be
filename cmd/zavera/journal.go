package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"text/tabwriter"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/journal"
	"github.com/zavera/zavera/ui/i18n"
)

const journalUsage = `Usage: zavera journal [--verify] [--json] [--config FILE | --file JOURNAL]

Shows the signing journal: every site approved or refused, every
signature made, refused or failed, with the time, the site, the
certificate and the hash of the document, and the count of requests
refused before any prompt. Each record is chained to the one before by a
hash and carries a MAC under this installation's journal key, and the head
file names the last record, so that a changed, removed, reordered,
rewritten or cut-off record is found. The journal is kept in files of a
capped size (journal.log and the rotated journal-NNNNNNNNNNNN.log before
it); the oldest are deleted, and the check says where the kept history
starts.

  --verify        check every file, the MACs and the head, and print only
                  the verdict.
  --json          print the records as JSON lines.
  --config FILE   the agent's configuration, to find its journal.
  --file JOURNAL  read this journal (journal.log; its rotated files, key
                  and head beside it) instead.

Exit status: 0 intact, 1 the chain is broken or a line damaged (the
records before the break are shown), 2 bad usage or unreadable journal,
3 truncated (the head names records the files no longer hold), 4
rewritten (a MAC does not match the key), 5 not anchored (the key or the
head is missing or damaged, or records carry no MAC).`

// Exit codes of `zavera journal`.
const (
	journalIntact     = 0
	journalTampered   = 1
	journalUnreadable = 2
	journalTruncated  = 3
	journalRewritten  = 4
	journalUnanchored = 5
)

type journalArgs struct {
	verify, json bool
	config, file string
}

func parseJournalArgs(args []string) (*journalArgs, error) {
	a := &journalArgs{}
	fs := flag.NewFlagSet("journal", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&a.verify, "verify", false, "")
	fs.BoolVar(&a.json, "json", false, "")
	fs.StringVar(&a.config, "config", "", "")
	fs.StringVar(&a.file, "file", "", "")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if a.config != "" && a.file != "" {
		return nil, errors.New("give --config or --file, not both")
	}
	return a, nil
}

// journalOptions are the journal's options in cfg.
func journalOptions(cfg agent.Config) journal.Options {
	return journal.Options{MaxFileBytes: cfg.Journal.MaxFileBytes, KeepFiles: cfg.Journal.KeepFiles}
}

// runJournal implements `zavera journal`.
func runJournal(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	a, err := parseJournalArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, journalUsage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "zavera journal: %v\n\n%s\n", err, journalUsage)
		return journalUnreadable
	}
	path, opts := a.file, journal.Options{}
	if path == "" {
		cfg, err := loadAgentConfig(a.config)
		if err != nil {
			fmt.Fprintf(stderr, "zavera journal: %v\n", err)
			return journalUnreadable
		}
		path, opts = journalPath(cfg), journalOptions(cfg)
	}
	files, err := journal.Files(path)
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("%s: %w", path, fs.ErrNotExist)
	}
	if err != nil {
		fmt.Fprintf(stderr, "zavera journal: %v\n", err)
		return journalUnreadable
	}

	var show func(journal.Record) error
	var flush func()
	switch {
	case a.verify:
	case a.json:
		enc := json.NewEncoder(stdout)
		show = func(r journal.Record) error { return enc.Encode(r) }
	default:
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SEQ\tTIME\tEVENT\tOUTCOME\tORIGIN\tCERTIFICATE\tDOCUMENT")
		show = func(r journal.Record) error {
			outcome := r.Outcome
			if r.Reason != "" {
				outcome += " (" + r.Reason + ")"
			}
			if r.Count > 0 {
				outcome += fmt.Sprintf(" ×%d", r.Count)
			}
			_, err := fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Seq, r.Time.Local().Format(time.DateTime),
				r.Event, outcome, dash(r.Origin), dash(short(r.Subject, 48)), dash(short(r.Document, 16)))
			return err
		}
		flush = func() { tw.Flush() }
	}
	if show != nil {
		err := journal.ReadAll(path, show)
		if flush != nil {
			flush()
		}
		var le *journal.LineError
		if err != nil && !errors.As(err, &le) {
			fmt.Fprintf(stderr, "zavera journal: %v\n", err)
			return journalUnreadable
		}
	}
	rep, err := journal.Check(path, opts)
	code := journalVerdict(rep, err, stderr)
	if code == journalUnreadable {
		return code
	}
	if a.verify {
		printReport(stdout, path, rep, code)
	}
	return code
}

// journalVerdict prints the problems Check found, each with its label,
// and returns the exit code of the gravest.
func journalVerdict(rep journal.Report, err error, stderr io.Writer) int {
	if err == nil {
		return journalIntact
	}
	var le *journal.LineError
	if len(rep.Problems) == 0 || !errors.Is(err, journal.ErrTampered) && !errors.Is(err, journal.ErrRewritten) &&
		!errors.Is(err, journal.ErrTruncated) && !errors.Is(err, journal.ErrUnanchored) {
		fmt.Fprintf(stderr, "zavera journal: %v\n", err)
		return journalUnreadable
	}
	for _, p := range rep.Problems {
		switch {
		case errors.Is(p, journal.ErrTampered) && errors.As(p, &le):
			fmt.Fprintf(stderr, "zavera journal: %s: TAMPERED OR DAMAGED at line %d: %v\n", le.File, le.Line, le.Err)
		case errors.Is(p, journal.ErrRewritten) && errors.As(p, &le):
			fmt.Fprintf(stderr, "zavera journal: %s: REWRITTEN at line %d: %v\n", le.File, le.Line, le.Err)
		case errors.Is(p, journal.ErrRewritten):
			fmt.Fprintf(stderr, "zavera journal: REWRITTEN: %v\n", p)
		case errors.Is(p, journal.ErrTruncated):
			fmt.Fprintf(stderr, "zavera journal: TRUNCATED: %v\n", p)
		default:
			fmt.Fprintf(stderr, "zavera journal: NOT ANCHORED: %v\n", p)
		}
	}
	switch {
	case errors.Is(err, journal.ErrTampered):
		return journalTampered
	case errors.Is(err, journal.ErrRewritten):
		return journalRewritten
	case errors.Is(err, journal.ErrTruncated):
		return journalTruncated
	}
	return journalUnanchored
}

// printReport prints what --verify found.
func printReport(w io.Writer, path string, rep journal.Report, code int) {
	switch code {
	case journalIntact:
		fmt.Fprintf(w, "%s: %d records, chain intact, MACs and head match (%d file(s))\n", path, rep.Records, len(rep.Files))
	case journalTampered:
		return
	default:
		fmt.Fprintf(w, "%s: %d records, chain intact, but see above (%d file(s))\n", path, rep.Records, len(rep.Files))
	}
	switch {
	case rep.Records == 0:
	case rep.Complete:
		fmt.Fprintf(w, "history: complete, seq 1 to %d\n", rep.Last)
	default:
		fmt.Fprintf(w, "history: kept from seq %d (older files were deleted) to %d\n", rep.First, rep.Last)
	}
	for _, r := range rep.Recoveries {
		fmt.Fprintf(w, "recovered at seq %d, %s: %s\n", r.Seq, r.Time.Local().Format(time.DateTime), r.Reason)
	}
}

// journalRussian holds the Russian text of the start-up warning.
var journalRussian = map[string]string{
	"the journal needed recovery at seq %d: %s. See 'zavera journal --verify'.": "журнал потребовал восстановления, запись %d: %s. Подробности: 'zavera journal --verify'.",
}

// warnRecovered tells the user, in the log and on stderr, what Open found
// and recorded.
func warnRecovered(j *journal.Journal, log *slog.Logger, stderr io.Writer) {
	lang := i18n.Detect(os.Getenv)
	for _, r := range j.Recovered() {
		log.Warn("journal recovered", "seq", r.Seq, "reason", r.Reason)
		format := "the journal needed recovery at seq %d: %s. See 'zavera journal --verify'."
		if ru, ok := journalRussian[format]; ok && lang == i18n.Russian {
			format = ru
		}
		fmt.Fprintf(stderr, "zavera serve: "+format+"\n", r.Seq, r.Reason)
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// short keeps the first n runes of s, marking a cut.
func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
