// Command screens pictures every Zavera window, in Russian and English,
// for review: it runs `zavera-ui prompt --hold` with sample requests and
// `zavera-ui main` on each page, and saves what the X server shows with
// xshot. The diagnostics page runs the zavera beside zavera-ui.
// It needs a display: `make screenshots` runs it under xvfb-run.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/zavera/zavera/ui/wire"
)

func main() {
	zaveraUI := flag.String("zavera-ui", "build/zavera-ui", "the zavera-ui binary, with zavera beside it")
	xshot := flag.String("xshot", "build/xshot", "the xshot binary")
	out := flag.String("out", "build/screenshots", "output folder")
	flag.Parse()
	if err := run(*zaveraUI, *xshot, *out); err != nil {
		fmt.Fprintln(os.Stderr, "screens:", err)
		os.Exit(1)
	}
}

func run(zaveraUI, xshot, out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	state, err := os.MkdirTemp("", "zavera-screens-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(state)
	cfg := filepath.Join(state, "config.json")
	os.WriteFile(cfg, []byte(`{"origins":["https://lk.gosuslugi.ru"],"noModuleDiscovery":true}`), 0o600)
	os.WriteFile(filepath.Join(state, "approvals.json"), []byte(`{"origins":[{"origin":"https://nalog.example","approved":"2026-11-01T10:00:00Z"}]}`), 0o600)
	var failed []string
	for _, lang := range []string{"ru", "en"} {
		locale := map[string]string{"ru": "ru_RU.UTF-8", "en": "en_US.UTF-8"}[lang]
		for _, s := range samples() {
			s.req.Lang = lang
			var in bytes.Buffer
			if err := wire.WriteRequest(&in, s.req); err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			cmd := exec.Command(zaveraUI, "prompt", "--hold", "4s")
			cmd.Stdin = &in
			cmd.Env = append(os.Environ(), "LANG="+locale)
			if err := shoot(cmd, xshot, filepath.Join(out, s.name+"-"+lang+".png")); err != nil {
				failed = append(failed, fmt.Sprintf("%s-%s: %v", s.name, lang, err))
			}
		}
		for _, tab := range []string{"tokens", "sites", "journal", "settings", "diagnostics"} {
			cmd := exec.Command(zaveraUI, "main", "--config", cfg, "--tab", tab)
			cmd.Env = append(os.Environ(), "LANG="+locale, "HOME="+state)
			if err := shoot(cmd, xshot, filepath.Join(out, "main-"+tab+"-"+lang+".png")); err != nil {
				failed = append(failed, fmt.Sprintf("main-%s-%s: %v", tab, lang, err))
			}
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%s", strings.Join(failed, "; "))
	}
	return nil
}

// shoot starts cmd, pictures its window, and stops it.
func shoot(cmd *exec.Cmd, xshot, png string) error {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	shot := exec.Command(xshot, "-top", "-o", png, "-wait", "15s", "-settle", "1500ms")
	if b, err := shot.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %s; window process said: %s", err, b, stderr.String())
	}
	fmt.Println(png)
	return nil
}

type sample struct {
	name string
	req  *wire.Request
}

func samples() []sample {
	now := time.Now()
	leader := &wire.Cert{Owner: "Иванов Иван Иванович", Position: "Генеральный директор", Organization: "ООО «Ромашка»",
		INN: "770712345633", INNLE: "7707083893", OGRN: "1027700132195", SNILS: "11223344595",
		NotBefore: now.AddDate(0, -10, 0), NotAfter: now.AddDate(0, 0, 21), Key: "GOST R 34.10-2012 256", Qualified: true, Token: "Rutoken ECP 3.0"}
	files := []wire.File{
		{Name: "заявление-Р11001.xml", Size: 18432, Hash: "3f9a6c1e0b7d4e2a9c8b5f1d7e6a3c2b1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c", HashAlg: "Streebog-256",
			Preview:     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Заявление ИНН=\"7707083893\" ОГРН=\"1027700132195\">\n  <Наименование>ООО «Ромашка»</Наименование>\n  <Адрес>г. Москва, ул. Ленина, д. 1</Адрес>\n</Заявление>",
			PreviewType: "xml"},
	}
	batch := make([]wire.File, 24)
	for i := range batch {
		batch[i] = wire.File{Name: fmt.Sprintf("NO_NDS_7707083893_%02d.xml", i+1), Size: int64(40000 + 1000*i)}
	}
	sign := func(what, desc string, fs []wire.File, count int, pin *wire.PINField) *wire.Request {
		return &wire.Request{Kind: wire.KindSign, Origin: "https://lk.gosuslugi.ru", PIN: pin,
			Signing: &wire.Signing{What: what, Description: desc, Files: fs, Count: count, Certificate: leader}}
	}
	pinRetry := sign("document", "", nil, 0, &wire.PINField{Token: "Rutoken ECP 3.0", TriesLeft: 2, Retry: true})
	pinRetry.Kind = wire.KindPIN
	return []sample{
		{"pairing", &wire.Request{Kind: wire.KindPair, Origin: "https://lk.gosuslugi.ru", PairingCode: "482-915"}},
		{"sign", sign("document", "Заявление о государственной регистрации юридического лица ООО «Ромашка» (форма Р11001)", files, 1,
			&wire.PINField{Token: "Rutoken ECP 3.0", TriesLeft: -1})},
		{"sign-pinpad", sign("document", "Заявление о регистрации", files, 1, &wire.PINField{Token: "Рутокен PINPad", TriesLeft: -1, PINPad: true})},
		{"pin-retry", pinRetry},
		{"batch", sign("batch", "Декларации по НДС за 3 квартал 2026 года", batch, len(batch), &wire.PINField{Token: "Rutoken ECP 3.0", TriesLeft: -1})},
		{"login", sign("login", "", nil, 1, nil)},
		{"notice", &wire.Request{Kind: wire.KindNotice, Origin: "https://lk.gosuslugi.ru", Message: "PIN-код токена заблокирован. / The token's PIN is locked."}},
	}
}
