// Package browserext names the Zavera browser extension and its native
// messaging host as the browsers know them: the one place these names
// live for the host (which admits only this extension) and the installer
// (which writes the host manifests). They must match web/extension
// (ids.json, the manifests' "key" and gecko id).
package browserext

// HostName is the native messaging host's name in the browsers'
// manifests and registry keys.
const HostName = "ru.zavera.host"

// The Zavera extension, the only caller the host serves.
const (
	// ChromiumExtensionID is the extension's ID in Chrome, Chromium,
	// Yandex Browser and Edge: fixed by the public key in the manifest's
	// "key" (web/extension/ids.json).
	ChromiumExtensionID = "fefkbkfecildicniloojojbkcldheohj"
	// FirefoxExtensionID is the extension's id in Firefox
	// (browser_specific_settings.gecko.id).
	FirefoxExtensionID = "extension@zavera.ru"
)

// ChromiumOrigin is the origin Chromium browsers name the caller by, as
// allowed_origins lists it.
const ChromiumOrigin = "chrome-extension://" + ChromiumExtensionID + "/"
