package provision

import (
	"os"
	"path/filepath"
)

// The tokens and keys the benchmarks sign with.
const (
	BenchSoftHSMToken = "bench"
	BenchGOSTToken    = "bench-gost"
)

// SoftHSMBench sets up SoftHSM2 in dir for this process (SOFTHSM2_CONF)
// with the token BenchSoftHSMToken holding an ECDSA P-256 key.
func SoftHSMBench(dir string) (*Key, error) {
	conf, err := SoftHSMConfig(dir)
	if err != nil {
		return nil, err
	}
	os.Setenv("SOFTHSM2_CONF", conf)
	if err := SoftHSMToken(conf, BenchSoftHSMToken); err != nil {
		return nil, err
	}
	return ECDSA(SoftHSMModule, BenchSoftHSMToken, "ec", []byte{1}, dir)
}

// GOSTBench sets up the GOST test token module in dir/gost for this
// process (GOSTTOKEN_DIR) with the token BenchGOSTToken holding a GOST
// R 34.10-2012 256 key, and returns the key and the token's folder (where
// its control file goes).
func GOSTBench(module, dir, opensslConf string) (*GOSTKey, string, error) {
	gdir := filepath.Join(dir, "gost")
	if err := os.Mkdir(gdir, 0o700); err != nil {
		return nil, "", err
	}
	os.Setenv("GOSTTOKEN_DIR", gdir)
	if err := GOSTTokenConfig(gdir, 10, "bench"); err != nil {
		return nil, "", err
	}
	if err := InitTokens(module, BenchGOSTToken); err != nil {
		return nil, "", err
	}
	k, err := GOST(module, BenchGOSTToken, "g256", []byte("g256"), 256, "A", gdir, opensslConf)
	return k, gdir, err
}
