// Package web holds what Zavera serves to browsers: the JavaScript client
// (client/zavera.js, an ES module that portals ship with their pages) and
// the demo portal's static pages (portal/). The agent itself never serves
// them; the demo portal (package portal) does.
//
// Files is read-only and safe for concurrent use.
package web

import "embed"

// Files holds client/zavera.js, client/zavera.d.ts and the portal's pages
// under portal/.
//
//go:embed client/zavera.js client/zavera.d.ts portal
var Files embed.FS
