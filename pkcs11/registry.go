package pkcs11

// registrySource is a registry key where an installer records where its
// PKCS#11 module is (Windows). The key is read under HKEY_LOCAL_MACHINE
// and then HKEY_CURRENT_USER.
type registrySource struct {
	vendor string
	key    string
	// value is the value to read; empty reads every string value of the
	// key, each a module path.
	value string
	// module is the module's path relative to the folder of the file the
	// value names; empty when the value names the module itself.
	module string
}

// registrySources lists the keys known to name modules. Only keys whose
// meaning is documented by the vendor or visible in its installer are
// here:
//   - OpenSC's installer (win32/OpenSC.wxs.in) writes the path of
//     opensc.conf, in its installation folder, to ConfigFile, and puts the
//     module in that folder's pkcs11 subfolder.
//   - Firefox's SecurityDevices policy, set by administrators and some
//     token installers, names PKCS#11 modules by path, one value each:
//     directly under the key (the first form of the policy) or under its
//     Add subkey (the current form).
//
// Rutoken, JaCarta, ESMART and SafeNet install their 64-bit modules into
// System32, which discovery searches by file name; no registry value of
// theirs naming the module is known.
var registrySources = []registrySource{
	{vendor: "OpenSC", key: `Software\OpenSC Project\OpenSC`, value: "ConfigFile", module: `pkcs11\opensc-pkcs11.dll`},
	{vendor: "Firefox policy", key: `Software\Policies\Mozilla\Firefox\SecurityDevices`},
	{vendor: "Firefox policy", key: `Software\Policies\Mozilla\Firefox\SecurityDevices\Add`},
}
