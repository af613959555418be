// The isolated-world half of the page API: relays the calls of the main
// world's window.cadesplugin to the background, and the answers back.
//
// Only messages whose source is this very window count (another frame,
// whatever its origin, cannot post here in this window's name), and only
// with the token the main-world script announced first: that script runs
// at document start, before any page script, so its announcement is the
// first message this window receives. The origin the agent sees is not
// taken from here at all: the background reads it from the browser.

(() => {
  const api = globalThis.browser && globalThis.browser.runtime ? globalThis.browser : globalThis.chrome;
  const METHODS = new Set(['certificates', 'sign', 'cosign', 'verify', 'signHash', 'hashStart', 'hashUpdate', 'hashFinish', 'info',
    'signXML', 'verifyXML', 'documentOpen', 'documentChunk', 'documentCancel']);
  let token = null;
  let port = null;
  const inFlight = new Set();
  const target = window.location.origin && window.location.origin !== 'null' ? window.location.origin : '*';

  function reply(id, body) {
    inFlight.delete(id);
    window.postMessage(Object.assign({ zavera: 'zavera-bridge', token, id }, body), target);
  }

  function connect() {
    if (port) return port;
    port = api.runtime.connect({ name: 'zavera-page' });
    port.onMessage.addListener((m) => {
      if (m && typeof m.id === 'number' && inFlight.has(m.id)) reply(m.id, m.error ? { error: m.error } : { result: m.result });
    });
    port.onDisconnect.addListener(() => {
      port = null;
      for (const id of Array.from(inFlight)) {
        reply(id, { error: { code: 1010, message: 'extension unavailable', data: { reason: 'unavailable' } } });
      }
    });
    return port;
  }

  window.addEventListener('message', (ev) => {
    if (ev.source !== window) return;
    const d = ev.data;
    if (!d || typeof d !== 'object' || d.zavera !== 'zavera-page') return;
    if (d.kind === 'hello') {
      if (token === null && typeof d.token === 'string' && /^[0-9a-f]{32}$/.test(d.token)) token = d.token;
      return;
    }
    if (d.kind !== 'call' || token === null || d.token !== token) return;
    if (typeof d.id !== 'number' || inFlight.has(d.id)) return;
    if (!METHODS.has(d.method) || (d.params !== undefined && (typeof d.params !== 'object' || d.params === null))) {
      inFlight.add(d.id);
      reply(d.id, { error: { code: -32601, message: 'method not available', data: { reason: 'bad_request' } } });
      return;
    }
    inFlight.add(d.id);
    try {
      connect().postMessage({ id: d.id, method: d.method, params: d.params || {} });
    } catch (_) {
      port = null;
      reply(d.id, { error: { code: 1010, message: 'extension unavailable', data: { reason: 'unavailable' } } });
    }
  });
})();
