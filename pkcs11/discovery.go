package pkcs11

import (
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
)

// EnvModules names the environment variable that lists extra modules,
// separated like PATH (':' on Unix, ';' on Windows).
const EnvModules = "ZAVERA_PKCS11_MODULES"

// knownModule is a vendor's module: its file names per OS and the folders
// its installer uses besides the system library folders.
type knownModule struct {
	vendor  string
	linux   []string
	darwin  []string
	windows []string
	dirs    []string // extra folders (absolute), any OS
	// programFiles are folders under %ProgramFiles% (Windows).
	programFiles []string
}

// knownModules lists the modules users have: Russian tokens first, then
// the general ones. Names are the files their installers ship.
var knownModules = []knownModule{
	{vendor: "Rutoken", linux: []string{"librtpkcs11ecp.so"}, darwin: []string{"librtpkcs11ecp.dylib"}, windows: []string{"rtpkcs11ecp.dll"},
		dirs: []string{"/opt/aktivco/rutokenecp/amd64", "/opt/aktivco/rutokenecp/x86_64", "/opt/aktivco/rutokenecp/arm64",
			"/Library/Aktiv Co/Rutoken ECP/lib", "/Applications/Rutoken ECP.app/Contents/lib"}},
	{vendor: "JaCarta", linux: []string{"libjcPKCS11-2.so"}, darwin: []string{"libjcPKCS11-2.dylib"}, windows: []string{"jcPKCS11-2.dll"},
		dirs: []string{"/opt/jacartauc/lib", "/Library/Frameworks/jcPKCS11.framework/Versions/Current/lib"}},
	{vendor: "SafeNet eToken", linux: []string{"libeTPkcs11.so", "libeToken.so"}, darwin: []string{"libeTPkcs11.dylib", "libeToken.dylib"}, windows: []string{"eTPKCS11.dll"},
		dirs: []string{"/Library/Frameworks/eToken.framework/Versions/Current"}},
	{vendor: "ESMART", linux: []string{"libisbc_pkcs11_main.so"}, darwin: []string{"libisbc_pkcs11_main.dylib"}, windows: []string{"isbc_pkcs11_main.dll"},
		dirs: []string{"/opt/esmart/lib", "/usr/local/lib/esmart"}},
	{vendor: "OpenSC", linux: []string{"opensc-pkcs11.so"}, darwin: []string{"opensc-pkcs11.so"}, windows: []string{"opensc-pkcs11.dll"},
		dirs: []string{"/Library/OpenSC/lib"}, programFiles: []string{`OpenSC Project\OpenSC\pkcs11`}},
	{vendor: "SoftHSM", linux: []string{"libsofthsm2.so"}, darwin: []string{"libsofthsm2.so"}, windows: []string{"softhsm2-x64.dll", "softhsm2.dll"},
		dirs: []string{`C:\SoftHSM2\lib`}},
	{vendor: "Zavera GOST test token", linux: []string{"libgosttoken.so"}, darwin: []string{"libgosttoken.dylib"}, windows: []string{"gosttoken.dll"}},
}

// systemDirs are the folders searched for every known module name.
func systemDirs(goos string) []string {
	switch goos {
	case "windows":
		root := os.Getenv("SystemRoot")
		if root == "" {
			root = `C:\Windows`
		}
		return []string{root + `\System32`}
	case "darwin":
		return []string{"/usr/local/lib", "/opt/homebrew/lib", "/usr/lib", "/usr/local/lib/softhsm", "/opt/homebrew/lib/softhsm", "/usr/local/lib/pkcs11"}
	}
	arch := map[string]string{"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu", "386": "i386-linux-gnu"}[runtime.GOARCH]
	dirs := []string{"/usr/lib", "/usr/lib64", "/usr/local/lib", "/usr/local/lib64", "/lib", "/lib64"}
	if arch != "" {
		dirs = append(dirs, "/usr/lib/"+arch, "/lib/"+arch, "/usr/lib/"+arch+"/pkcs11", "/usr/lib/"+arch+"/softhsm")
	}
	return append(dirs, "/usr/lib/pkcs11", "/usr/lib64/pkcs11", "/usr/lib/softhsm", "/usr/lib64/softhsm", "/usr/local/lib/softhsm")
}

// programFilesDir is %ProgramFiles%: the 64-bit one for a 64-bit program.
func programFilesDir() string {
	if dir := os.Getenv("ProgramFiles"); dir != "" {
		return dir
	}
	return `C:\Program Files`
}

// wellKnownPaths lists every path where a known module may sit on goos,
// most likely first. exeDir (the folder of the running program, may be
// empty) is searched too, so a module shipped beside Zavera is found.
// On Windows the folders are the program's, the vendor's folders under
// %ProgramFiles% and System32 (where the Russian token drivers put their
// 64-bit modules); registryModules adds the paths vendors record in the
// registry.
func wellKnownPaths(goos, exeDir string) []string {
	sys := systemDirs(goos)
	var out []string
	for _, km := range knownModules {
		names := km.linux
		switch goos {
		case "darwin":
			names = km.darwin
		case "windows":
			names = km.windows
		}
		for _, name := range names {
			var dirs []string
			if exeDir != "" {
				dirs = append(dirs, exeDir)
			}
			dirs = append(dirs, km.dirs...)
			if goos == "windows" {
				for _, d := range km.programFiles {
					dirs = append(dirs, programFilesDir()+`\`+d)
				}
			}
			dirs = append(dirs, sys...)
			for _, d := range dirs {
				if goos == "windows" {
					if strings.HasPrefix(d, "/") {
						continue
					}
					out = append(out, d+`\`+name)
				} else {
					if !strings.HasPrefix(d, "/") {
						continue
					}
					out = append(out, path.Join(d, name)) // slashes even when built for Windows
				}
			}
		}
	}
	return out
}

// envModules splits the value of EnvModules.
func envModules(value string) []string {
	var out []string
	for _, p := range filepath.SplitList(value) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// discover returns the module paths to load: those named explicitly
// (configuration and command line), those in the environment, then the
// well-known ones that exist. A path named explicitly is kept even when
// it does not exist, so its failure is reported. Duplicates (the same
// file reached through links) are dropped.
func discover(explicit []string, useEnv, wellKnown bool) []string {
	var list []string
	list = append(list, explicit...)
	if useEnv {
		list = append(list, envModules(os.Getenv(EnvModules))...)
	}
	nExplicit := len(list)
	if wellKnown {
		exeDir := ""
		if exe, err := os.Executable(); err == nil {
			exeDir = filepath.Dir(exe)
		}
		list = append(list, wellKnownPaths(runtime.GOOS, exeDir)...)
		list = append(list, registryModules(registrySources)...)
	}
	seen := map[string]bool{}
	var out []string
	for i, p := range list {
		abs, err := filepath.Abs(p)
		if err != nil {
			abs = p
		}
		key := abs
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			key = real
		} else if i >= nExplicit {
			continue // a well-known path that is not there
		}
		if fi, err := os.Stat(key); err == nil && fi.IsDir() && i >= nExplicit {
			continue
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, abs)
	}
	return out
}
