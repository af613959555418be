package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/zavera/zavera/internal/osslref"
)

func runCmd(t *testing.T, stdin io.Reader, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	code = dispatch(args, stdin, &o, &e)
	return code, o.String(), e.String()
}

// opensslHex returns OpenSSL's hex digest of the file at path.
func opensslHex(t *testing.T, md, path string) string {
	out := string(osslref.Run(t, nil, "dgst", md, "-r", path))
	hex, _, ok := strings.Cut(out, " ")
	if !ok {
		t.Fatalf("unexpected openssl output %q", out)
	}
	return hex
}

func TestDigestFilesMatchOpenSSL(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "заявление.txt")
	b := filepath.Join(dir, "empty")
	os.WriteFile(a, bytes.Repeat([]byte("Устав ООО «Ромашка»\n"), 1000), 0o644)
	os.WriteFile(b, nil, 0o644)
	for _, tc := range []struct{ alg, md string }{{"streebog256", "-md_gost12_256"}, {"streebog512", "-md_gost12_512"}} {
		code, out, errOut := runCmd(t, nil, "digest", "--alg", tc.alg, a, b)
		if code != 0 || errOut != "" {
			t.Fatalf("%s: exit %d, stderr %q", tc.alg, code, errOut)
		}
		want := opensslHex(t, tc.md, a) + "  " + a + "\n" + opensslHex(t, tc.md, b) + "  " + b + "\n"
		if out != want {
			t.Fatalf("%s:\n got %q\nwant %q", tc.alg, out, want)
		}
	}
}

func TestDigestDefaultsToStreebog256AndStdin(t *testing.T) {
	path := filepath.Join(t.TempDir(), "msg")
	os.WriteFile(path, []byte("abc"), 0o644)
	want := opensslHex(t, "-md_gost12_256", path)
	for _, args := range [][]string{{"digest"}, {"digest", "-"}} {
		code, out, _ := runCmd(t, strings.NewReader("abc"), args...)
		if code != 0 || out != want+"  -\n" {
			t.Fatalf("%v: exit %d, output %q, want %q", args, code, out, want+"  -\n")
		}
	}
}

func TestDigestErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	os.WriteFile(good, []byte("x"), 0o644)
	missing := filepath.Join(dir, "missing")

	code, out, errOut := runCmd(t, nil, "digest", missing, good, dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.HasSuffix(out, "  "+good+"\n") || strings.Count(out, "\n") != 1 {
		t.Fatalf("the readable file must still be hashed: %q", out)
	}
	if !strings.Contains(errOut, "missing") || !strings.Contains(errOut, "is a directory") {
		t.Fatalf("stderr should name both failures: %q", errOut)
	}

	if code, _, errOut := runCmd(t, nil, "digest", "--alg", "sha1", good); code != 2 || !strings.Contains(errOut, "unknown algorithm") {
		t.Fatalf("unknown algorithm: exit %d, %q", code, errOut)
	}
	if code, _, _ := runCmd(t, nil, "digest", "--bogus"); code != 2 {
		t.Fatalf("unknown flag: exit %d", code)
	}
	if code, _, errOut := runCmd(t, nil, "digest", "--help"); code != 0 || !strings.Contains(errOut, "Usage") {
		t.Fatalf("--help: exit %d, %q", code, errOut)
	}
	if code, _, _ := runCmd(t, nil, "no-such-command"); code != 2 {
		t.Fatalf("unknown command: exit %d", code)
	}
}

// patternReader yields n bytes of a repeating pattern without holding them.
type patternReader struct{ left int64 }

func (r *patternReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	for i := range p {
		p[i] = byte(i * 7)
	}
	r.left -= int64(len(p))
	return len(p), nil
}

// TestDigestStreamsInConstantMemory hashes 256 MiB from standard input and
// checks that the command allocated only a small, fixed amount meanwhile.
func TestDigestStreamsInConstantMemory(t *testing.T) {
	const size = 256 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	code, out, errOut := runCmd(t, &patternReader{left: size}, "digest", "-")
	runtime.ReadMemStats(&after)
	if code != 0 || len(out) != 64+4 {
		t.Fatalf("exit %d, output %q, stderr %q", code, out, errOut)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Fatalf("hashing %d bytes allocated %d bytes; want constant memory", size, alloc)
	}
}
