package portal

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/ruid"
)

// The page checks identifiers with web/portal/ruid.js before sending the
// form; the server with package ruid. Both must agree, on valid numbers
// and on every kind of mistake, so that the page never lets through what
// the server refuses nor refuses what it accepts.
func TestPageIdentifierChecksMatchPackageRuid(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is needed to run the page's checks (install Node.js 20, Debian package nodejs): %v", err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	digits := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		return b.String()
	}
	// valid completes a prefix and random digits with the last two
	// digits that package ruid accepts: every identifier here has one.
	valid := func(prefix string, n int, check func(string) error) string {
		body := prefix + digits(n-len(prefix)-2)
		for c := 0; c < 100; c++ {
			if s := fmt.Sprintf("%s%02d", body, c); check(s) == nil {
				return s
			}
		}
		t.Fatalf("no valid number starting %q", body)
		return ""
	}
	type sample struct {
		Kind  string `json:"kind"`
		Value string `json:"value"`
	}
	checks := map[string]func(string) error{
		"innle": ruid.ValidateINNLE, "ogrn": ruid.ValidateOGRN, "kpp": ruid.ValidateKPP,
		"person": ruid.ValidatePersonINN, "snils": ruid.ValidateSNILS, "ogrnip": ruid.ValidateOGRNIP,
	}
	lengths := map[string]int{"innle": 10, "ogrn": 13, "kpp": 9, "person": 12, "snils": 11, "ogrnip": 15}
	var samples []sample
	for kind, n := range lengths {
		for i := 0; i < 300; i++ {
			samples = append(samples, sample{kind, digits(n)}) // mostly wrong check digits
			v := valid(string(rune('1'+rng.IntN(9)))+digits(1), n, checks[kind])
			samples = append(samples, sample{kind, v})
			j := rng.IntN(n)
			changed := v[:j] + string(byte('0'+(int(v[j]-'0')+1+rng.IntN(9))%10)) + v[j+1:]
			samples = append(samples, sample{kind, changed})
		}
		samples = append(samples, sample{kind, digits(n - 1)}, sample{kind, digits(n + 1)}, sample{kind, ""}, sample{kind, digits(n-1) + "x"})
	}
	samples = append(samples, sample{"kpp", "7736AB001"}, sample{"kpp", "7736ab001"}, sample{"kpp", "A73601001"},
		sample{"snils", "112-233-445 95"}, sample{"snils", "112-233-445-95"}, sample{"snils", "001-001-998 00"},
		sample{"person", "009912345678"})
	in, _ := json.Marshal(samples)
	script := `
import * as r from ` + jsString("file://"+filepath.Join(osslref.Root(t), "web", "portal", "ruid.js")) + `;
const f = { innle: r.validateINNLE, ogrn: r.validateOGRN, kpp: r.validateKPP, person: r.validatePersonINN, snils: r.validateSNILS, ogrnip: r.validateOGRNIP };
let data = '';
process.stdin.on('data', (d) => { data += d; });
process.stdin.on('end', () => {
  const out = JSON.parse(data).map((s) => f[s.kind](s.value) === null);
  process.stdout.write(JSON.stringify(out));
});`
	cmd := exec.Command(node, "--input-type=module", "-e", script)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var verdicts []bool
	if err := json.Unmarshal(out, &verdicts); err != nil || len(verdicts) != len(samples) {
		t.Fatalf("node answered %q: %v", out, err)
	}
	agreeValid := 0
	for i, s := range samples {
		goOK := checks[s.Kind](s.Value) == nil
		if goOK != verdicts[i] {
			t.Errorf("%s %q: package ruid says valid=%v, the page says %v", s.Kind, s.Value, goOK, verdicts[i])
		}
		if goOK {
			agreeValid++
		}
	}
	if agreeValid < len(lengths)*300 {
		t.Fatalf("only %d valid samples", agreeValid)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return fmt.Sprint(string(b))
}
