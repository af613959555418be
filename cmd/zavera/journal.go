package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/zavera/zavera/agent/journal"
)

const journalUsage = `Usage: zavera journal [--verify] [--json] [--config FILE | --file JOURNAL]

Shows the signing journal: every site approved or refused, every
signature made, refused or failed, with the time, the site, the
certificate and the hash of the document. Each record is chained to the
one before by a hash, so that a changed, removed or reordered record is
found.

  --verify        check the whole chain and print only the verdict.
  --json          print the records as JSON lines.
  --config FILE   the agent's configuration, to find its journal.
  --file JOURNAL  read this journal file instead.

Exit status: 0 the chain is intact, 1 it is broken (the records before the
break are shown), 2 bad usage or unreadable journal.`

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

// runJournal implements `zavera journal`.
func runJournal(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	a, err := parseJournalArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, journalUsage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "zavera journal: %v\n\n%s\n", err, journalUsage)
		return 2
	}
	path := a.file
	if path == "" {
		cfg, err := loadAgentConfig(a.config)
		if err != nil {
			fmt.Fprintf(stderr, "zavera journal: %v\n", err)
			return 2
		}
		path = journalPath(cfg)
	}
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(stderr, "zavera journal: %v\n", err)
		return 2
	}
	defer f.Close()

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
			_, err := fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Seq, r.Time.Local().Format(time.DateTime),
				r.Event, outcome, dash(r.Origin), dash(short(r.Subject, 48)), dash(short(r.Document, 16)))
			return err
		}
		flush = func() { tw.Flush() }
	}
	n := 0
	err = journal.Read(f, func(r journal.Record) error {
		n++
		if show != nil {
			return show(r)
		}
		return nil
	})
	if flush != nil {
		flush()
	}
	var le *journal.LineError
	switch {
	case errors.As(err, &le):
		fmt.Fprintf(stderr, "zavera journal: %s: TAMPERED OR DAMAGED at line %d: %v\n", path, le.Line, le.Err)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "zavera journal: %v\n", err)
		return 2
	}
	if a.verify {
		fmt.Fprintf(stdout, "%s: %d records, chain intact\n", path, n)
	}
	return 0
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
