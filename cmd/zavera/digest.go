package main

import (
	"encoding/hex"
	"flag"
	"fmt"
	"hash"
	"io"
	"os"

	"github.com/zavera/zavera/gost/streebog"
)

// digestAlgorithms maps the names accepted by --alg to hash constructors.
var digestAlgorithms = map[string]func() hash.Hash{
	"streebog256": streebog.New256,
	"streebog512": streebog.New512,
}

// runDigest implements `zavera digest [--alg NAME] FILE...`: one line
// "HEX  FILE" per file, like sha256sum; "-" or no file reads standard
// input. Files are streamed, so memory stays constant whatever their size.
// It exits 1 when a file cannot be read (after hashing the others) and 2
// on bad usage.
func runDigest(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("digest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	alg := fs.String("alg", "streebog256", "hash algorithm: streebog256 or streebog512")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: zavera digest [--alg streebog256|streebog512] [FILE...]")
		fmt.Fprintln(stderr, "Prints the Streebog digest of each FILE (\"-\" or none: standard input).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	newHash, ok := digestAlgorithms[*alg]
	if !ok {
		fmt.Fprintf(stderr, "zavera digest: unknown algorithm %q (use streebog256 or streebog512)\n", *alg)
		return 2
	}
	files := fs.Args()
	if len(files) == 0 {
		files = []string{"-"}
	}
	h := newHash()
	buf := make([]byte, 256<<10)
	status := 0
	for _, name := range files {
		h.Reset()
		if err := hashFile(h, name, stdin, buf); err != nil {
			fmt.Fprintf(stderr, "zavera digest: %v\n", err)
			status = 1
			continue
		}
		fmt.Fprintf(stdout, "%s  %s\n", hex.EncodeToString(h.Sum(nil)), name)
	}
	return status
}

// hashFile streams the file called name ("-" for stdin) into h through buf.
func hashFile(h hash.Hash, name string, stdin io.Reader, buf []byte) error {
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return fmt.Errorf("%s: is a directory", name)
		}
		r = f
	}
	if _, err := io.CopyBuffer(struct{ io.Writer }{h}, struct{ io.Reader }{r}, buf); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
