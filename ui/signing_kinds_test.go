package ui

import (
	"strings"
	"testing"

	"github.com/zavera/zavera/ui/i18n"
	"github.com/zavera/zavera/ui/wire"
)

// A co-signature lists who signed before; a raw signature says, in the
// user's language and above the page's text, that the site can use it
// for any purpose.
func TestCosignAndRawWindows(t *testing.T) {
	digest := strings.Repeat("3c", 32)
	for _, tc := range []struct {
		lang        i18n.Lang
		what, title string
		cosigners   []string
		want        []string
	}{
		{i18n.Russian, "cosign", "Zavera: добавление подписи — https://portal.example", []string{"Петрова Анна", "Сидоров\u202e Пётр"},
			[]string{"просит добавить вашу подпись к документу", "Уже подписали", "Петрова Анна, Сидоров Пётр", digest}},
		{i18n.English, "cosign", "Zavera: add your signature — https://portal.example", []string{"Петрова Анна"},
			[]string{"asks you to add your signature to a document", "Already signed by", "Петрова Анна"}},
		{i18n.Russian, "raw", "Zavera: подпись без контейнера — https://portal.example", nil,
			[]string{"Подпись без контейнера — сайт сможет использовать её для любых целей", "просит подпись без контейнера", digest}},
		{i18n.English, "raw", "Zavera: signature without a container — https://portal.example", nil,
			[]string{"A signature without a container: the site can use it for any purpose", "asks for a signature without a container"}},
	} {
		req := signReq(nil)
		req.Signing.What, req.Signing.Cosigners = tc.what, tc.cosigners
		req.Signing.Files = []wire.File{{Size: 10, Hash: digest, HashAlg: "Streebog-256"}}
		_, _, w := show(t, tc.lang, req)
		got := texts(w)
		if w.Title() != tc.title {
			t.Errorf("%s title %q, want %q", tc.what, w.Title(), tc.title)
		}
		for _, want := range tc.want {
			if !strings.Contains(got, want) {
				t.Errorf("%s window lacks %q:\n%s", tc.what, want, got)
			}
		}
	}
}
