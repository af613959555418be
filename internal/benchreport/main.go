// Command benchreport gathers the figures that `make bench` steps measured
// and prints them as one table.
//
// Each benchmark step writes JSON lines into a directory (build/bench.d),
// one object per figure:
//
//	{"name": "...", "value": 123.4, "unit": "MB/s", "reference": 120.0, "ratio": 1.03}
//
// where reference is the same quantity measured for the reference
// implementation in the same run, and ratio says how Zavera compares to it
// (above 1.0 is better than the reference, whatever the unit). benchreport
// merges every *.jsonl file, sorted by name, into one JSON list and prints a
// table.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"text/tabwriter"
)

// Figure is one measured quantity with its same-run reference.
type Figure struct {
	Name      string  `json:"name"`
	Value     float64 `json:"value"`
	Unit      string  `json:"unit"`
	Reference float64 `json:"reference"`
	Ratio     float64 `json:"ratio"`
	Note      string  `json:"note,omitempty"`
}

func main() {
	dir := flag.String("dir", "build/bench.d", "directory of *.jsonl figure files")
	out := flag.String("out", "build/bench.json", "merged JSON output")
	flag.Parse()
	figs, err := load(*dir)
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
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "name\tvalue\tunit\treference\tratio\t")
	for _, f := range figs {
		fmt.Fprintf(tw, "%s\t%.4g\t%s\t%.4g\t%.2f\t\n", f.Name, f.Value, f.Unit, f.Reference, f.Ratio)
	}
	tw.Flush()
	fmt.Printf("\n%d figures written to %s\n", len(figs), *out)
}

func load(dir string) ([]Figure, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no figures in %s", dir)
	}
	var figs []Figure
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		line := 0
		for sc.Scan() {
			line++
			if len(sc.Bytes()) == 0 {
				continue
			}
			var fig Figure
			if err := json.Unmarshal(sc.Bytes(), &fig); err != nil {
				f.Close()
				return nil, fmt.Errorf("%s:%d: %w", name, line, err)
			}
			figs = append(figs, fig)
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(figs, func(i, j int) bool { return figs[i].Name < figs[j].Name })
	return figs, nil
}
