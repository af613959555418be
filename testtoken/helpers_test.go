package testtoken_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/testtoken"
)

// TC26 vendor constants (GOST.md) that miekg/pkcs11 does not name.
const (
	ckkGOSTR3410_512             = 0xD4321003
	ckmGOSTR3410_512KeyPairGen   = 0xD4321005
	ckmGOSTR3410_512             = 0xD4321006
	ckmGOSTR3410WithGOSTR3411256 = 0xD4321008
	ckmGOSTR3410WithGOSTR3411512 = 0xD4321009
	ckmGOSTR3411_256             = 0xD4321012
	ckmGOSTR3411_512             = 0xD4321013
)

// DER OBJECT IDENTIFIERs of parameter sets (RFC 7836).
var (
	paramsTC26A256   = []byte{0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x01, 0x01, 0x01}
	paramsCryptoProA = []byte{0x06, 0x07, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x23, 0x01}
	paramsTC26A512   = []byte{0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x01, 0x02, 0x01}
	paramsTC26B512   = []byte{0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x01, 0x02, 0x02}
	oidStreebog256   = []byte{0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x02, 0x02}
)

const (
	soPIN   = "87654321"
	userPIN = "12345678"
)

var (
	moduleOnce sync.Once
	moduleCtx  *pkcs11.Ctx
)

// module loads build/libgosttoken.so once per test binary; each test then
// initialises it on its own storage directory (see newToken).
func module(t *testing.T) *pkcs11.Ctx {
	t.Helper()
	path := testtoken.ModulePath(t)
	moduleOnce.Do(func() { moduleCtx = pkcs11.New(path) })
	if moduleCtx == nil {
		t.Fatalf("cannot load %s: run make testtoken", path)
	}
	return moduleCtx
}

// token is one test's view of the module: its storage directory and the
// initialised library.
type token struct {
	t   *testing.T
	p   *pkcs11.Ctx
	dir string
}

// newToken initialises the module on a fresh directory with the given
// configuration (empty: the module's default of one slot).
func newToken(t *testing.T, conf string) *token {
	t.Helper()
	dir := t.TempDir()
	if conf != "" {
		if err := os.WriteFile(filepath.Join(dir, "gosttoken.conf"), []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return openToken(t, dir)
}

// openToken initialises the module on an existing directory; Finalize runs
// at the end of the test unless the test restarts the module itself.
func openToken(t *testing.T, dir string) *token {
	t.Helper()
	p := module(t)
	t.Setenv("GOSTTOKEN_DIR", dir)
	if err := p.Initialize(); err != nil {
		t.Fatalf("C_Initialize: %v", err)
	}
	tk := &token{t: t, p: p, dir: dir}
	t.Cleanup(func() { _ = p.Finalize() })
	return tk
}

// restart finalises and initialises the module again, as a new process
// would: everything must come back from the directory.
func (tk *token) restart() {
	tk.t.Helper()
	if err := tk.p.Finalize(); err != nil {
		tk.t.Fatalf("C_Finalize: %v", err)
	}
	if err := tk.p.Initialize(); err != nil {
		tk.t.Fatalf("C_Initialize after restart: %v", err)
	}
}

// control rewrites the control file (through a rename, so the module sees
// a new inode even within one clock tick).
func (tk *token) control(lines ...string) {
	tk.t.Helper()
	if err := testtoken.SetControl(tk.dir, lines...); err != nil {
		tk.t.Fatal(err)
	}
}

// initToken gives slot its SO and user PINs, as a provisioning would.
func (tk *token) initToken(slot uint, label string) {
	tk.t.Helper()
	p := tk.p
	if err := p.InitToken(slot, soPIN, label); err != nil {
		tk.t.Fatalf("C_InitToken: %v", err)
	}
	s := tk.session(slot)
	if err := p.Login(s, pkcs11.CKU_SO, soPIN); err != nil {
		tk.t.Fatalf("C_Login(SO): %v", err)
	}
	if err := p.InitPIN(s, userPIN); err != nil {
		tk.t.Fatalf("C_InitPIN: %v", err)
	}
	if err := p.Logout(s); err != nil {
		tk.t.Fatalf("C_Logout: %v", err)
	}
	if err := p.CloseSession(s); err != nil {
		tk.t.Fatalf("C_CloseSession: %v", err)
	}
}

// session opens a read-write session that the test closes at its end.
func (tk *token) session(slot uint) pkcs11.SessionHandle {
	tk.t.Helper()
	s, err := tk.p.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		tk.t.Fatalf("C_OpenSession(%d): %v", slot, err)
	}
	return s
}

// login opens a session and logs the user in.
func (tk *token) login(slot uint) pkcs11.SessionHandle {
	tk.t.Helper()
	s := tk.session(slot)
	if err := tk.p.Login(s, pkcs11.CKU_USER, userPIN); err != nil {
		tk.t.Fatalf("C_Login(user): %v", err)
	}
	return s
}

type keyPair struct {
	pub, priv pkcs11.ObjectHandle
	params    []byte
	bits      int
}

// generate makes a token key pair of the given size with CKA_ID id.
func (tk *token) generate(s pkcs11.SessionHandle, bits int, params []byte, id, label string) keyPair {
	tk.t.Helper()
	mech, kt := uint(pkcs11.CKM_GOSTR3410_KEY_PAIR_GEN), uint(pkcs11.CKK_GOSTR3410)
	if bits == 512 {
		mech, kt = ckmGOSTR3410_512KeyPairGen, ckkGOSTR3410_512
	}
	pubT := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, kt),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_ID, []byte(id)),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_GOSTR3410_PARAMS, params),
	}
	privT := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, kt),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_ID, []byte(id)),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
	}
	pub, priv, err := tk.p.GenerateKeyPair(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(mech, nil)}, pubT, privT)
	if err != nil {
		tk.t.Fatalf("C_GenerateKeyPair(%d): %v", bits, err)
	}
	return keyPair{pub: pub, priv: priv, params: params, bits: bits}
}

// attr reads one attribute.
func (tk *token) attr(s pkcs11.SessionHandle, o pkcs11.ObjectHandle, typ uint) []byte {
	tk.t.Helper()
	attrs, err := tk.p.GetAttributeValue(s, o, []*pkcs11.Attribute{pkcs11.NewAttribute(typ, nil)})
	if err != nil {
		tk.t.Fatalf("C_GetAttributeValue(%#x): %v", typ, err)
	}
	return attrs[0].Value
}

// find returns the handles matching a template.
func (tk *token) find(s pkcs11.SessionHandle, tmpl ...*pkcs11.Attribute) []pkcs11.ObjectHandle {
	tk.t.Helper()
	if err := tk.p.FindObjectsInit(s, tmpl); err != nil {
		tk.t.Fatalf("C_FindObjectsInit: %v", err)
	}
	var all []pkcs11.ObjectHandle
	for {
		hs, _, err := tk.p.FindObjects(s, 2)
		if err != nil {
			tk.t.Fatalf("C_FindObjects: %v", err)
		}
		if len(hs) == 0 {
			break
		}
		all = append(all, hs...)
	}
	if err := tk.p.FindObjectsFinal(s); err != nil {
		tk.t.Fatalf("C_FindObjectsFinal: %v", err)
	}
	return all
}

// sign signs msg (a hash for the raw mechanisms).
func (tk *token) sign(s pkcs11.SessionHandle, mech uint, key pkcs11.ObjectHandle, msg []byte) ([]byte, error) {
	tk.t.Helper()
	if err := tk.p.SignInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(mech, nil)}, key); err != nil {
		return nil, err
	}
	return tk.p.Sign(s, msg)
}

// opensslVerify checks a raw signature over hash with OpenSSL's pkeyutl,
// the public key being rebuilt from the token's CKA_VALUE.
func (tk *token) opensslVerify(s pkcs11.SessionHandle, kp keyPair, hash, sig []byte) error {
	tk.t.Helper()
	pemKey, err := testtoken.PublicKeyPEM(tk.attr(s, kp.pub, pkcs11.CKA_GOSTR3410_PARAMS), tk.attr(s, kp.pub, pkcs11.CKA_VALUE))
	if err != nil {
		tk.t.Fatalf("PublicKeyPEM: %v", err)
	}
	dir := tk.t.TempDir()
	files := map[string][]byte{"pub.pem": pemKey, "hash": hash, "sig": sig}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			tk.t.Fatal(err)
		}
	}
	out, errOut, err := osslref.Try(tk.t, nil, "pkeyutl", "-verify", "-pubin", "-inkey", filepath.Join(dir, "pub.pem"),
		"-in", filepath.Join(dir, "hash"), "-sigfile", filepath.Join(dir, "sig"))
	if err != nil {
		return errors.New(string(bytes.TrimSpace(append(out, errOut...))))
	}
	if !bytes.Contains(out, []byte("Signature Verified Successfully")) {
		return errors.New("openssl did not confirm: " + string(out))
	}
	return nil
}

// wantCKR checks that err is the PKCS#11 error code want.
func wantCKR(t *testing.T, what string, err error, want pkcs11.Error) {
	t.Helper()
	var got pkcs11.Error
	if !errors.As(err, &got) || got != want {
		t.Fatalf("%s: got %v, want %v", what, err, want)
	}
}
