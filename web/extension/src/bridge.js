// The isolated-world half of the page API: relays the calls of the main
// world's window.cadesplugin to the background, and the answers back.
//
// The two worlds share the window's DOM, so they talk by synchronous
// CustomEvents dispatched on the window, with JSON text in `detail`
// (strings cross between worlds in every browser): a call and its answer
// each cost one event dispatch, without a task of window.postMessage in
// between.
//
//   zavera-bridge-ready  bridge → page, once at document start
//   zavera-page-hello    page → bridge, detail: the token (32 hex digits)
//   zavera-page-call     page → bridge, detail: {"token","id","method","params"}
//   zavera-bridge-answer bridge → page, detail: {"token","id","result"|"error"}
//
// Both scripts run at document start, before any script of the page, in
// an order the browser does not promise: the bridge announces itself with
// zavera-bridge-ready, and the page API says hello both when it starts and
// on that announcement, so whichever runs second completes the handshake
// before the page's first script. Only the first hello counts, and only
// calls with its token. Another frame cannot dispatch events on this
// window (a cross-origin frame has no access to its DOM; a same-origin one
// could call this window's cadesplugin anyway, as this origin). The origin
// the agent sees is not taken from here at all: the background reads it
// from the browser.

(() => {
  const api = globalThis.browser && globalThis.browser.runtime ? globalThis.browser : globalThis.chrome;
  const METHODS = new Set(['certificates', 'sign', 'cosign', 'verify', 'enhance', 'signHash', 'hashStart', 'hashUpdate', 'hashFinish', 'info',
    'signXML', 'verifyXML', 'documentOpen', 'documentChunk', 'documentCancel']);
  const win = window;
  const Custom = win.CustomEvent;
  const dispatch = win.dispatchEvent.bind(win);
  let token = null;
  let port = null;
  const inFlight = new Set();

  function reply(id, body) {
    inFlight.delete(id);
    dispatch(new Custom('zavera-bridge-answer', { detail: JSON.stringify(Object.assign({ token, id }, body)) }));
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

  win.addEventListener('zavera-page-hello', (ev) => {
    const t = ev.detail;
    if (token === null && typeof t === 'string' && /^[0-9a-f]{32}$/.test(t)) token = t;
  }, true);

  win.addEventListener('zavera-page-call', (ev) => {
    if (token === null || typeof ev.detail !== 'string') return;
    let d;
    try {
      d = JSON.parse(ev.detail);
    } catch (_) {
      return;
    }
    if (!d || typeof d !== 'object' || d.token !== token) return;
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
  }, true);

  dispatch(new Custom('zavera-bridge-ready'));
})();
