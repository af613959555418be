package cli

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

func TestDispatch(t *testing.T) {
	var got []string
	p := Program{Name: "tool", Title: "A tool.", Footer: "Run 'tool COMMAND --help'.", Commands: map[string]Command{
		"run":       {"run it", func(args []string, _ io.Reader, stdout, _ io.Writer) int { got = args; return 3 }},
		"long-name": {"another", func([]string, io.Reader, io.Writer, io.Writer) int { return 0 }},
	}}
	var o, e bytes.Buffer
	if code := p.Dispatch([]string{"run", "a", "b"}, nil, &o, &e); code != 3 || strings.Join(got, ",") != "a,b" {
		t.Fatalf("run: %d %v", code, got)
	}
	for _, c := range []struct {
		args []string
		code int
		out  bool
	}{{nil, 2, true}, {[]string{"help"}, 0, true}, {[]string{"--help"}, 0, true}, {[]string{"nope"}, 2, false}} {
		o.Reset()
		e.Reset()
		code := p.Dispatch(c.args, nil, &o, &e)
		text := o.String()
		if !c.out {
			text = e.String()
			if !strings.HasPrefix(text, `tool: unknown command "nope"`) {
				t.Fatalf("%v: %q", c.args, text)
			}
		}
		if code != c.code || !strings.Contains(text, "Usage: tool COMMAND") || !strings.Contains(text, "  long-name  another\n") ||
			!strings.Contains(text, "  run        run it\n") || !strings.HasSuffix(text, "Run 'tool COMMAND --help'.\n") {
			t.Fatalf("%v: %d %q", c.args, code, text)
		}
	}
}
