package agent_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/internal/osslref"
)

// TestVerifyWithTrustList: with the configured trusted list, a signature
// made under a CA of the list has a valid chain and the result names the
// CA and its accreditation; one under a CA not in the list stays
// INDETERMINATE. The list is the one constructed for package validate's
// tests. The signature carries no revocation data and verify fetches
// none, so its verdict is INDETERMINATE (TRY_LATER), the signer still
// valid as far as it was checked.
func TestVerifyWithTrustList(t *testing.T) {
	root := osslref.Root(t)
	realworld := filepath.Join(root, "..", "shared", "realworld")
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(realworld, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	list, err := os.ReadFile(filepath.Join(root, "validate", "testdata", "trustlist.xml"))
	if err != nil {
		t.Fatal(err)
	}
	listFile := filepath.Join(t.TempDir(), "tsl.xml")
	if err := os.WriteFile(listFile, list, 0o600); err != nil {
		t.Fatal(err)
	}
	withList := func(o *agent.Options) { o.Config.TrustList = listFile }
	ts := startServer(t, newFakeSource(), newFakePrompter(), withList)
	c := approvedClient(t, ts)

	type result struct {
		Indication string
		Signers    []struct {
			Indication, SubIndication string
			Chain                     string
			Valid                     bool
			Revocation                struct {
				Status  string
				Offline bool
			}
			AccreditedCA *struct {
				Name       string
				Accredited bool
				From       *time.Time
			}
		}
	}
	var r result
	listed := map[string]any{
		"signature": read("cms_gost2012-256_detached_cryptoarm_sign2012-256_det.txt.sig.pem"),
		"data":      read("content_cryptoarm_test_crlf.txt"),
	}
	c.mustCall("verify", listed, &r)
	s := r.Signers[0]
	if r.Indication != "INDETERMINATE" || s.SubIndication != "TRY_LATER" || !s.Valid || s.Revocation.Status != "unavailable" || !s.Revocation.Offline ||
		s.Chain != "valid" || s.AccreditedCA == nil || !s.AccreditedCA.Accredited ||
		s.AccreditedCA.Name != "Тестовый удостоверяющий центр ООО \"КРИПТО-ПРО\"" || s.AccreditedCA.From == nil {
		t.Fatalf("under a listed CA: %+v %+v", r, s.AccreditedCA)
	}

	var other result
	c.mustCall("verify", map[string]any{
		"signature": read("cms_gost2012-256_detached_esia-client-secret_vtb_2022.b64url"),
		"data":      read("content_esia-client-secret_vtb_2022_signed-string.txt"),
	}, &other)
	if other.Indication != "INDETERMINATE" || other.Signers[0].AccreditedCA != nil {
		t.Fatalf("under a CA not listed: %+v", other)
	}

	// A new list in the same file is read: without the test CA the same
	// signature no longer passes.
	i := bytes.Index(list, []byte("<Название>Тестовый удостоверяющий центр"))
	j := bytes.Index(list[i:], []byte("</УдостоверяющийЦентр>"))
	k := bytes.LastIndex(list[:i], []byte("<УдостоверяющийЦентр>"))
	if i < 0 || j < 0 || k < 0 {
		t.Fatal("test CA not found in the list")
	}
	without := append(append([]byte(nil), list[:k]...), list[i+j+len("</УдостоверяющийЦентр>"):]...)
	if err := os.WriteFile(listFile, without, 0o600); err != nil {
		t.Fatal(err)
	}
	var after result
	c.mustCall("verify", listed, &after)
	if after.Indication != "INDETERMINATE" || after.Signers[0].SubIndication != "NO_CERTIFICATE_CHAIN_FOUND" {
		t.Fatalf("after the CA left the list: %+v", after)
	}

	// A list that cannot be read fails the request rather than trusting
	// less in silence.
	broken := filepath.Join(t.TempDir(), "tsl.xml")
	os.WriteFile(broken, []byte("<АккредитованныеУдостоверяющиеЦентры/>"), 0o600)
	bad := startServer(t, newFakeSource(), newFakePrompter(), func(o *agent.Options) { o.Config.TrustList = broken })
	if err := approvedClient(t, bad).call("verify", map[string]any{"signature": read("cms_gost2012-256_attached_noattrs_tc26-example_signed_a121.pem")}, nil); err == nil {
		t.Fatal("verify with an unreadable trusted list succeeded")
	}
}
