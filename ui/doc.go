// Package ui will hold Zavera's desktop windows and tray. It shows what the
// agent asks (consent, confirmation, PIN entry) and never calls PKCS#11 or
// builds CMS itself.
package ui
