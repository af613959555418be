package ui

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/zavera/zavera/ui/i18n"
	"github.com/zavera/zavera/ui/wire"
)

func batch(n int) *wire.Signing {
	s := &wire.Signing{What: "batch", Count: n}
	for i := range n {
		s.Files = append(s.Files, wire.File{Name: fmt.Sprintf("НД-%03d.xml", i+1), Size: int64(1000 + i)})
	}
	return s
}

func TestProgressCancel(t *testing.T) {
	for _, how := range []string{"button", "escape", "close"} {
		a := test.NewTempApp(t)
		w := a.NewWindow("")
		cancels := 0
		p := ShowProgress(w, i18n.Russian, "https://nalog.example", batch(12), func() { cancels++ })
		p.Set(5, 12)
		got := texts(w)
		for _, want := range []string{"Подписано 5 из 12", "просит подписать 12 документов", "1. НД-001.xml", "https://nalog.example"} {
			if !strings.Contains(got, want) {
				t.Errorf("window lacks %q:\n%s", want, got)
			}
		}
		if p.bar.Value != 5 || p.bar.Max != 12 {
			t.Errorf("bar at %v of %v", p.bar.Value, p.bar.Max)
		}
		switch how {
		case "button":
			test.Tap(p.cancel)
		case "escape":
			w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
		case "close":
			w.Close()
		}
		test.Tap(p.cancel)
		if cancels != 1 || !p.Cancelled() {
			t.Errorf("%s: %d cancels", how, cancels)
		}
	}
}

func TestProgressDone(t *testing.T) {
	a := test.NewTempApp(t)
	w := a.NewWindow("")
	cancels := 0
	p := ShowProgress(w, i18n.English, "https://nalog.example", batch(3), func() { cancels++ })
	p.Set(3, 3)
	p.Done()
	if got := texts(w); !strings.Contains(got, "Done") {
		t.Errorf("no Done:\n%s", got)
	}
	test.Tap(p.cancel)
	if cancels != 0 {
		t.Error("closing a finished batch cancelled it")
	}
}
