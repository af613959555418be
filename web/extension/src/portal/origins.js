// The origins on which the state services portal's plug-in interfaces
// (IFCPlugin and gosuslugi.plugin) answer. Built into the content scripts
// ifc.js and gosuslugi.js and into the background, which decides.
//
// By default: https://gosuslugi.ru and its subdomains on the default port
// (www., esia., lk., and the portal's test stands such as
// esia-portal1.test.gosuslugi.ru). Besides these, an administrator lists
// origins in the extension's managed storage (statePortalOrigins), and
// the agent's configuration may list loopback origins (the demo portal
// under `make run`); see access.js.

const STATE_PORTAL_DOMAIN = 'gosuslugi.ru';

// canonicalOrigin returns an origin's canonical form (lower case, default
// port dropped) or null for anything that is not an http(s) origin.
function canonicalOrigin(text) {
  let u;
  try { u = new URL(String(text)); } catch (_) { return null; }
  if (!/^https?:$/.test(u.protocol) || u.username || u.password || !['', '/'].includes(u.pathname) || u.search || u.hash) return null;
  return u.origin;
}

// isStatePortalOrigin reports whether origin is one of the portal's own:
// https, the default port, gosuslugi.ru or a name under it.
function isStatePortalOrigin(origin) {
  let u;
  try { u = new URL(String(origin)); } catch (_) { return false; }
  if (u.protocol !== 'https:' || u.port !== '' || u.origin !== origin) return false;
  const host = u.hostname.toLowerCase();
  return host === STATE_PORTAL_DOMAIN || host.endsWith(`.${STATE_PORTAL_DOMAIN}`);
}

// isLoopbackOrigin reports whether origin is served from this machine
// (127.0.0.1, localhost, [::1]): only for these does the background ask
// the agent whether its configuration lists them.
function isLoopbackOrigin(origin) {
  let u;
  try { u = new URL(String(origin)); } catch (_) { return false; }
  return u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';
}
