// Command benchreport gathers the figures that `make bench` steps measured
// and prints them as one table.
//
// Each benchmark step writes JSON lines into a directory (build/bench.d),
// one object per figure, in the format of package benchfig:
//
//	{"name": "...", "value": 123.4, "unit": "MB/s", "reference": 120.0, "ratio": 1.03}
//
// benchreport merges every *.jsonl file, sorted by name, into one JSON list
// and prints a table.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/zavera/zavera/internal/benchfig"
)

func main() {
	dir := flag.String("dir", "build/bench.d", "directory of *.jsonl figure files")
	out := flag.String("out", "build/bench.json", "merged JSON output")
	flag.Parse()
	figs, err := benchfig.Load(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
	data, err := json.MarshalIndent(figs, "", "  ")
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, append(data, '\n'), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "name\tvalue\tunit\treference\tratio\t")
	for _, f := range figs {
		fmt.Fprintf(tw, "%s\t%.4g\t%s\t%.4g\t%.2f\t\n", f.Name, f.Value, f.Unit, f.Reference, f.Ratio)
	}
	tw.Flush()
	fmt.Printf("\n%d figures written to %s\n", len(figs), *out)
}
