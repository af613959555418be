// Package cli runs a program made of subcommands, as zavera and zavera-ui
// are: it picks the command named by the first argument, prints the usage
// for help or an unknown command, and returns the exit code.
package cli

import (
	"fmt"
	"io"
	"sort"
)

// Command is one subcommand: Run gets the arguments after the command name
// and returns the process exit code.
type Command struct {
	Summary string
	Run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

// Program is a set of commands with the texts of its usage.
type Program struct {
	// Name is the program's name, as typed.
	Name string
	// Title is the usage's first line; Footer its last lines.
	Title, Footer string
	Commands      map[string]Command
}

// Dispatch runs the command args[0] with the rest of args. No command
// prints the usage and returns 2; help, -h and --help print it and return
// 0; an unknown command is an error (2).
func (p Program) Dispatch(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		p.Usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := p.Commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "%s: unknown command %q\n\n", p.Name, args[0])
		p.Usage(stderr)
		return 2
	}
	return cmd.Run(args[1:], stdin, stdout, stderr)
}

// Usage writes the title, the commands in name order with their
// summaries, and the footer.
func (p Program) Usage(w io.Writer) {
	fmt.Fprintln(w, p.Title)
	fmt.Fprintf(w, "\nUsage: %s COMMAND [ARGUMENTS]\n\nCommands:\n", p.Name)
	names := make([]string, 0, len(p.Commands))
	width := 0
	for name := range p.Commands {
		names = append(names, name)
		width = max(width, len(name))
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-*s %s\n", width+1, name, p.Commands[name].Summary)
	}
	fmt.Fprintln(w, "\n"+p.Footer)
}
