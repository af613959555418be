package cpcontainer

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/keyfile"
)

// The public CryptoPro CSP 5 test container and its expected values
// (../shared/keyfiles/README.md).
const (
	vectorDir      = "../../../shared/keyfiles/cryptopro-container_csp5_gost2012-256-xcha_nopin.000"
	vectorCert     = "../../../shared/keyfiles/cryptopro-container_csp5_gost2012-256-xcha_nopin.cert.der"
	vectorPrivate  = "3e59e7f7235517362a818b9e1f499158d30ef1da5ed6016e1beb70093ef2bbe4"
	vectorPublic   = "aefa90609ba04209f38889bb80e1204382b638f909cb045907f19fc161cc9f7fe01cce5f7879ee1360cf928809c1886f796affafd851e0a6a48dd7e3ddea7ba9"
	vectorWrongFP  = "83ea75b8dea889e7" // the fingerprint password "11111111" gives
	vectorPassword = ""
)

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// copyVector copies the public container into a temporary folder that a
// test may damage.
func copyVector(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "vector.000")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(vectorDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(vectorDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestOpenPublicVector opens the container CryptoPro CSP 5 wrote: the key
// is encrypted with GOST 28147-89 ECB, S-box param Z, under the password
// KDF with Streebog-256, and masked. The documented private key and the
// certificate's public key come out, which proves the KDF, the cipher's
// mode, S-box and byte order, and the unmasking on CryptoPro's own data.
func TestOpenPublicVector(t *testing.T) {
	c, err := Open(vectorDir, vectorPassword)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Wipe()
	if got := c.Key.Bytes(); !bytes.Equal(got, mustHex(t, vectorPrivate)) {
		t.Errorf("private key %x, want %s", got, vectorPrivate)
	}
	if got := c.Key.PublicKey().Bytes(); !bytes.Equal(got, mustHex(t, vectorPublic)) {
		t.Errorf("public key %x, want %s", got, vectorPublic)
	}
	if c.Key.Curve().Name() != "id-GostR3410-2001-CryptoPro-XchA-ParamSet" {
		t.Errorf("curve %s", c.Key.Curve().Name())
	}
	if c.Name != "srv" {
		t.Errorf("name %q, want srv", c.Name)
	}
	der, err := os.ReadFile(vectorCert)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Certificates) != 1 || !bytes.Equal(c.Certificates[0], der) {
		t.Errorf("certificates %d, want the one of header.key", len(c.Certificates))
	}
	c.Wipe()
	if c.Key != nil {
		t.Error("Wipe left the key")
	}
}

// TestPasswordKDF2000Rounds checks the full 2000-round KDF against the
// fingerprint an independent implementation gives for the password
// "11111111" on the public container (a wrong password there).
func TestPasswordKDF2000Rounds(t *testing.T) {
	c, err := load(vectorDir)
	if err != nil {
		t.Fatal(err)
	}
	key, err := c.unwrapSlot(vectorDir, filePrimary, fileMasks, 32, []byte("11111111"))
	if err != nil {
		t.Fatal(err)
	}
	if fp := key.PublicKey().Bytes()[:8]; !bytes.Equal(fp, mustHex(t, vectorWrongFP)) {
		t.Errorf("fingerprint %x, want %s", fp, vectorWrongFP)
	}
}

func TestWrongPassword(t *testing.T) {
	for _, pw := range []string{"11111111", "x", "пароль"} {
		c, err := Open(vectorDir, pw)
		if !errors.Is(err, keyfile.ErrWrongPassword) {
			t.Fatalf("password %q: %v, want ErrWrongPassword", pw, err)
		}
		if c != nil {
			t.Fatal("contents with an error")
		}
		// No hint about the key: the error is the bare class.
		if err.Error() != keyfile.ErrWrongPassword.Error() {
			t.Errorf("error %q says more than the class", err)
		}
	}
}

func TestInspectPublicVector(t *testing.T) {
	info, err := Inspect(vectorDir)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := os.ReadFile(vectorCert)
	if info.Name != "srv" || info.Algorithm != GOST2012_256 || info.PasswordNeeded || !info.Reserve ||
		!bytes.Equal(info.Certificate, der) || info.Curve.Size() != 32 {
		t.Errorf("Inspect = %+v", info)
	}
}

// TestReserveCopy: a container whose primary copy is damaged opens from
// primary2.key and masks2.key, which CSP writes as a reserve.
func TestReserveCopy(t *testing.T) {
	dir := copyVector(t)
	if err := os.WriteFile(filepath.Join(dir, filePrimary), []byte{0x30, 0x22, 0x04}, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Wipe()
	if !bytes.Equal(c.Key.Bytes(), mustHex(t, vectorPrivate)) {
		t.Error("the reserve copy gave another key")
	}
	// With both copies damaged the container is damaged.
	if err := os.WriteFile(filepath.Join(dir, filePrimary2), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, ""); !errors.Is(err, keyfile.ErrDamaged) {
		t.Errorf("both copies damaged: %v, want ErrDamaged", err)
	}
}

// TestTruncated cuts each file of the container at every length: Open
// reports ErrDamaged (or, where the reserve copy is whole, the key), and
// never ErrWrongPassword or a panic.
func TestTruncated(t *testing.T) {
	for _, files := range [][]string{
		{fileHeader},
		{filePrimary, filePrimary2},
		{fileMasks, fileMasks2},
	} {
		full, err := os.ReadFile(filepath.Join(vectorDir, files[0]))
		if err != nil {
			t.Fatal(err)
		}
		dir := copyVector(t)
		step := 1
		if len(full) > 200 {
			step = 37
		}
		for n := 0; n < len(full); n += step {
			for _, f := range files {
				data, _ := os.ReadFile(filepath.Join(vectorDir, f))
				if err := os.WriteFile(filepath.Join(dir, f), data[:min(n, len(data))], 0o600); err != nil {
					t.Fatal(err)
				}
			}
			c, err := Open(dir, "")
			if !errors.Is(err, keyfile.ErrDamaged) {
				t.Fatalf("%v cut to %d bytes: %v, want ErrDamaged", files, n, err)
			}
			if c != nil {
				t.Fatal("contents with an error")
			}
		}
	}
	// A missing file.
	dir := copyVector(t)
	os.Remove(filepath.Join(dir, fileHeader))
	if _, err := Open(dir, ""); !errors.Is(err, keyfile.ErrDamaged) {
		t.Errorf("no header.key: %v, want ErrDamaged", err)
	}
}

// TestUnknownAlgorithm: a key algorithm this package does not know is
// ErrUnsupported.
func TestUnknownAlgorithm(t *testing.T) {
	dir := copyVector(t)
	p := filepath.Join(dir, fileHeader)
	data, _ := os.ReadFile(p)
	oid := []byte{0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x06, 0x01}
	i := bytes.Index(data, oid)
	if i < 0 {
		t.Fatal("key OID not found in header.key")
	}
	data[i+len(oid)-1] = 0x09
	os.WriteFile(p, data, 0o600)
	if _, err := Open(dir, ""); !errors.Is(err, keyfile.ErrUnsupported) {
		t.Errorf("unknown key OID: %v, want ErrUnsupported", err)
	}
	if _, err := Inspect(dir); !errors.Is(err, keyfile.ErrUnsupported) {
		t.Errorf("Inspect, unknown key OID: %v, want ErrUnsupported", err)
	}
}

// TestCreateRoundTrip writes containers for each kind of key, with and
// without a password, and opens them again.
func TestCreateRoundTrip(t *testing.T) {
	cert, _ := os.ReadFile(vectorCert)
	for _, tc := range []struct {
		name     string
		curve    string
		gost2001 bool
		password string
		reserve  bool
	}{
		{"2012-512 with password", "id-tc26-gost-3410-12-512-paramSetA", false, "Секрет 123", true},
		{"2012-512 without password", "id-tc26-gost-3410-12-512-paramSetB", false, "", false},
		{"2001 with password", "id-GostR3410-2001-CryptoPro-A-ParamSet", true, "12345678", false},
		{"2001 without password", "id-GostR3410-2001-CryptoPro-XchA-ParamSet", true, "", true},
		{"2012-256 with password", "id-tc26-gost-3410-12-256-paramSetA", false, "p", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			curve, err := gost.CurveByName(tc.curve)
			if err != nil {
				t.Fatal(err)
			}
			key, err := gost.GenerateKey(curve, nil)
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "made.000")
			err = Create(dir, key, CreateOptions{Name: "made", Password: tc.password, Certificate: cert, GOST2001: tc.gost2001, Reserve: tc.reserve})
			if err != nil {
				t.Fatal(err)
			}
			info, err := Inspect(dir)
			if err != nil {
				t.Fatal(err)
			}
			want := GOST2012_256
			switch {
			case curve.Size() == 64:
				want = GOST2012_512
			case tc.gost2001:
				want = GOST2001
			}
			if info.Algorithm != want || info.PasswordNeeded != (tc.password != "") || info.Name != "made" ||
				info.Reserve != tc.reserve || !bytes.Equal(info.Certificate, cert) {
				t.Errorf("Inspect = %+v", info)
			}
			c, err := Open(dir, tc.password)
			if err != nil {
				t.Fatal(err)
			}
			if !c.Key.Equal(key) {
				t.Error("the key read back differs")
			}
			c.Wipe()
			if _, err := Open(dir, tc.password+"1"); !errors.Is(err, keyfile.ErrWrongPassword) {
				t.Errorf("wrong password: %v", err)
			}
			// The reserve copy alone opens too.
			if tc.reserve {
				os.Remove(filepath.Join(dir, filePrimary))
				c, err := Open(dir, tc.password)
				if err != nil {
					t.Fatalf("reserve copy: %v", err)
				}
				if !c.Key.Equal(key) {
					t.Error("the reserve copy gave another key")
				}
				c.Wipe()
			}
		})
	}
}

// TestSuitesDiffer checks that a 2001 key's password KDF is not the 2012
// one: the same password and salt give another key.
func TestSuitesDiffer(t *testing.T) {
	salt := []byte("0123456789ab")
	a := suite2001.passwordKey([]byte("pw"), salt)
	b := suite2012.passwordKey([]byte("pw"), salt)
	if bytes.Equal(a, b) || len(a) != 32 || len(b) != 32 {
		t.Errorf("2001 and 2012 password keys: %x %x", a, b)
	}
}
