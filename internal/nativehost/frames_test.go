package nativehost

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"

	"github.com/zavera/zavera/internal/browserext"
)

// Messages over 1 MiB go in parts that each fit a frame, however many
// escapes their text needs, and join back to the message.
func TestWriteMessageParts(t *testing.T) {
	for _, msg := range []string{
		`{"a":"small"}`,
		`{"s":"` + strings.Repeat("A", 3<<20) + `"}`,
		`{"s":"` + strings.Repeat(`\"`, 1<<20) + `"}`, // every byte escaped once more
		`{"s":"` + strings.Repeat("Ж", 700<<10) + `"}`,
		`{"s":"` + strings.Repeat("<\u2028>", 300<<10) + `"}`,
	} {
		var out bytes.Buffer
		if err := writeMessage(&out, "1:0:1", []byte(msg)); err != nil {
			t.Fatal(err)
		}
		var joined strings.Builder
		frames := 0
		for out.Len() > 0 {
			n := binary.NativeEndian.Uint32(out.Next(4))
			if n > MaxOutFrame {
				t.Fatalf("a frame of %d bytes", n)
			}
			var f struct {
				Session string          `json:"session"`
				Message json.RawMessage `json:"message"`
				Part    *int            `json:"part"`
				Parts   int             `json:"parts"`
				Data    string          `json:"data"`
			}
			if err := json.Unmarshal(out.Next(int(n)), &f); err != nil {
				t.Fatal(err)
			}
			if f.Session != "1:0:1" {
				t.Fatalf("session %q", f.Session)
			}
			if f.Part == nil {
				joined.Write(f.Message)
			} else {
				if *f.Part != frames {
					t.Fatalf("part %d, want %d", *f.Part, frames)
				}
				joined.WriteString(f.Data)
			}
			frames++
		}
		if joined.String() != msg {
			t.Fatalf("a message of %d bytes came back as %d bytes", len(msg), joined.Len())
		}
		if len(msg) > MaxOutFrame && frames < 2 {
			t.Fatalf("a message of %d bytes in %d frame", len(msg), frames)
		}
	}
}

func TestCaller(t *testing.T) {
	for _, ok := range [][]string{{browserext.ChromiumOrigin}, {browserext.ChromiumOrigin, "--parent-window=0"}, {"/x/ru.zavera.host.json", browserext.FirefoxExtensionID}} {
		if _, err := Caller(ok); err != nil {
			t.Fatalf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range [][]string{nil, {"chrome-extension://" + strings.Repeat("a", 32) + "/"}, {"chrome-extension://" + browserext.ChromiumExtensionID}, {"/x.json", "other@zavera.ru"}} {
		if _, err := Caller(bad); err == nil {
			t.Fatalf("%q admitted", bad)
		}
	}
}
