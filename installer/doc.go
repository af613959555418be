// Package installer will set Zavera up on a desktop: packages, start at
// login, the local TLS certificate and browser policies.
package installer
