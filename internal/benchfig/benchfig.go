// Package benchfig is the file format of `make bench`: each benchmark
// program writes its figures as JSON lines into build/bench.d/NAME.jsonl,
// and benchreport merges them into build/bench.json and a table.
//
// A figure is one measured quantity with the same quantity measured for a
// reference implementation in the same run. Ratio says how Zavera compares
// to the reference whatever the unit: above 1.0 is better than the
// reference.
package benchfig

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
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

// String formats the figure as one line of a report.
func (f Figure) String() string {
	return fmt.Sprintf("%-60s %12.4g %-6s reference %12.4g  ratio %.2f", f.Name, f.Value, f.Unit, f.Reference, f.Ratio)
}

// Write stores figs as JSON lines at path, creating its folder, and
// prints each figure on w (nil for none).
func Write(path string, figs []Figure, w io.Writer) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, f := range figs {
		if err := enc.Encode(f); err != nil {
			return err
		}
		if w != nil {
			fmt.Fprintln(w, f)
		}
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// Load reads every *.jsonl file in dir and returns the figures sorted by
// name.
func Load(dir string) ([]Figure, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no figures in %s", dir)
	}
	var figs []Figure
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for line := 1; sc.Scan(); line++ {
			if len(bytes.TrimSpace(sc.Bytes())) == 0 {
				continue
			}
			var f Figure
			if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", name, line, err)
			}
			figs = append(figs, f)
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	sort.SliceStable(figs, func(i, j int) bool { return figs[i].Name < figs[j].Name })
	return figs, nil
}
