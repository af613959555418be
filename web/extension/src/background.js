// The extension's background: one native messaging port to the Zavera host
// (ru.zavera.host), shared by every page, with one agent session per page
// frame. The origin of each session is the one the browser gives for the
// frame's content script (sender.origin, or the origin of sender.url where
// the browser has no sender.origin), never anything a page sent.
//
// Frames to the host: {session, origin, message} and {session, close}.
// From the host: {session, message}, {session, closed, reason}, and a long
// message as {session, part, parts, data} pieces of its JSON text.
//
// A session starts with `hello`; when the agent says the origin is not
// approved, the background asks `pair` and shows the pairing code the
// agent sends in the extension's own popup, badge and a notification,
// never in the page.

const api = globalThis.browser && globalThis.browser.runtime ? globalThis.browser : globalThis.chrome;
const HOST = 'ru.zavera.host';
const CLIENT = 'Zavera extension 0.1.0';

// The host runs while pages use it; a minute after the last page session
// ends the port is closed, and with it the host process.
const NATIVE_IDLE_MS = 60000;

let native = null;
let nativeIdle = null;
let sessionCounter = 0;
const sessions = new Map(); // session name → Session
const parts = new Map(); // session name → {n, chunks}
const pairings = new Map(); // session name → {origin, code, tabId}

function unavailable() {
  return { code: 1010, message: 'native host unavailable', data: { reason: 'unavailable' } };
}

// closeError is what the calls in flight on a session the agent or host
// ended fail with: the agent's close status says why.
function closeError(code, reason) {
  const text = String(reason || '');
  if (code === 1008 && /origin/.test(text)) {
    return { code: 1002, message: 'origin not allowed', data: { reason: 'origin_not_allowed' } };
  }
  if (code === 1013) return { code: 1009, message: 'busy', data: { reason: 'busy' } };
  if (code === 1009) return { code: 1008, message: 'too large', data: { reason: 'too_large' } };
  return unavailable();
}

function connectNative() {
  if (nativeIdle) {
    clearTimeout(nativeIdle);
    nativeIdle = null;
  }
  if (native) return native;
  const port = api.runtime.connectNative(HOST);
  native = port;
  port.onMessage.addListener(onHostMessage);
  port.onDisconnect.addListener(() => {
    const err = api.runtime.lastError;
    if (err) console.warn('zavera: native host disconnected:', err.message);
    if (native === port) native = null;
    for (const s of sessions.values()) s.fail(unavailable());
    sessions.clear();
    parts.clear();
    clearPairings();
  });
  return port;
}

function onHostMessage(frame) {
  if (!frame || typeof frame.session !== 'string') return;
  if (frame.parts !== undefined) {
    let p = parts.get(frame.session);
    if (!p) {
      p = { n: frame.parts, chunks: [] };
      parts.set(frame.session, p);
    }
    p.chunks.push([frame.part, String(frame.data || '')]);
    if (p.chunks.length < p.n) return;
    parts.delete(frame.session);
    p.chunks.sort((a, b) => a[0] - b[0]);
    let message;
    try {
      message = JSON.parse(p.chunks.map((c) => c[1]).join(''));
    } catch (e) {
      console.warn('zavera: a message in parts did not join', e);
      return;
    }
    onHostMessage({ session: frame.session, message });
    return;
  }
  const s = sessions.get(frame.session);
  if (!s) return;
  if (frame.closed !== undefined) {
    sessions.delete(frame.session);
    s.fail(closeError(frame.closed, frame.reason));
    return;
  }
  if (frame.message) s.receive(frame.message);
}

class Session {
  constructor(origin, tabId, frameId) {
    this.name = `${tabId}:${frameId}:${++sessionCounter}`;
    this.origin = origin;
    this.tabId = tabId;
    this.nextId = 1;
    this.pending = new Map();
    this.ready = null;
    this.pairing = null;
    this.ended = null;
    sessions.set(this.name, this);
  }

  send(message) {
    connectNative().postMessage({ session: this.name, origin: this.origin, message });
  }

  raw(method, params) {
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      const message = { jsonrpc: '2.0', id, method };
      if (params !== undefined) message.params = params;
      try {
        this.send(message);
      } catch (e) {
        this.pending.delete(id);
        reject(unavailable());
      }
    });
  }

  receive(m) {
    if (m.id === undefined || m.id === null) {
      if (m.method === 'pairing' && m.params) showPairing(this, String(m.params.code || ''));
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.error) p.reject(m.error);
    else p.resolve(m.result);
  }

  // fail ends the session: its calls in flight and any later ones fail
  // with err (the page's next call opens a new session).
  fail(err) {
    this.ended = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    hidePairing(this);
  }

  close() {
    sessions.delete(this.name);
    this.fail(unavailable());
    if (native) {
      try { native.postMessage({ session: this.name, close: true }); } catch (_) { /* host gone */ }
    }
    if (native && sessions.size === 0 && !nativeIdle) {
      nativeIdle = setTimeout(() => {
        nativeIdle = null;
        if (!native || sessions.size > 0) return;
        const port = native;
        native = null;
        port.disconnect();
      }, NATIVE_IDLE_MS);
    }
  }

  pair() {
    if (!this.pairing) {
      this.pairing = this.raw('pair').finally(() => {
        this.pairing = null;
        hidePairing(this);
      });
    }
    return this.pairing;
  }

  async call(method, params) {
    if (!this.ready) {
      this.ready = this.raw('hello', { protocols: [1], client: CLIENT });
      this.ready.catch(() => { this.ready = null; });
    }
    const hello = await this.ready;
    if (hello && hello.approved === false && !this.approved) await this.pair();
    this.approved = true;
    try {
      return await this.raw(method, params);
    } catch (e) {
      if (this.ended || !(e && e.data && e.data.reason === 'origin_not_allowed')) throw e;
      await this.pair();
      return this.raw(method, params);
    }
  }
}

function setBadge(tabId, text, title) {
  const opts = tabId >= 0 ? { tabId } : {};
  try {
    api.action.setBadgeText(Object.assign({ text }, opts));
    api.action.setTitle(Object.assign({ title }, opts));
    if (text) api.action.setBadgeBackgroundColor(Object.assign({ color: '#b3261e' }, opts));
  } catch (_) { /* a closed tab */ }
}

function showPairing(session, code) {
  pairings.set(session.name, { origin: session.origin, code, tabId: session.tabId });
  setBadge(session.tabId, '!', `Zavera: код подтверждения ${code} для ${session.origin}`);
  if (api.notifications) {
    try {
      api.notifications.create(`pair-${session.name}`, {
        type: 'basic', iconUrl: 'icon-128.png', title: 'Zavera: подтвердите доступ сайта',
        message: `Сайт ${session.origin} просит доступ к электронной подписи. Код подтверждения: ${code}. Сверьте его с кодом в окне Zavera.`,
      });
    } catch (_) { /* notifications unavailable */ }
  }
}

function hidePairing(session) {
  if (!pairings.delete(session.name)) return;
  setBadge(session.tabId, '', 'Zavera');
  if (api.notifications) {
    try { api.notifications.clear(`pair-${session.name}`); } catch (_) { /* gone */ }
  }
}

function clearPairings() {
  for (const name of Array.from(pairings.keys())) hidePairing({ name, tabId: pairings.get(name).tabId });
}

// senderOrigin is the frame's origin as the browser reports it; only http
// and https origins may use the agent.
function senderOrigin(sender) {
  let origin = sender.origin;
  if (!origin && sender.url) {
    try { origin = new URL(sender.url).origin; } catch (_) { origin = null; }
  }
  if (!origin || !/^https?:\/\//.test(origin)) return null;
  return origin;
}

api.runtime.onConnect.addListener((port) => {
  // zavera-portal: the state services portal's interfaces (portal/access.js).
  const portal = port.name === 'zavera-portal';
  if ((port.name !== 'zavera-page' && !portal) || !port.sender || port.sender.id !== api.runtime.id) {
    port.disconnect();
    return;
  }
  const origin = senderOrigin(port.sender);
  const tabId = port.sender.tab ? port.sender.tab.id : -1;
  const frameId = port.sender.frameId || 0;
  let session = null;
  port.onMessage.addListener(async (m) => {
    if (!m || typeof m.id !== 'number' || typeof m.method !== 'string') return;
    const answer = (body) => {
      try { port.postMessage(Object.assign({ id: m.id }, body)); } catch (_) { /* the page went away */ }
    };
    if (!origin) {
      answer({ error: { code: 1002, message: 'origin not allowed', data: { reason: 'origin_not_allowed' } } });
      return;
    }
    if (!session || !sessions.has(session.name)) session = new Session(origin, tabId, frameId);
    if (portal && (!PORTAL_METHODS.has(m.method) || !(await portalAllowed(origin, session)))) {
      answer({ error: portalRefusal() });
      return;
    }
    try {
      answer({ result: await session.call(m.method, m.params) });
    } catch (e) {
      answer({ error: e && e.code !== undefined ? e : unavailable() });
    }
  });
  port.onDisconnect.addListener(() => {
    if (session) session.close();
  });
});

// The portal interfaces' content scripts ask whether their frame's origin
// is served (portal/access.js).
api.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (sender.id !== api.runtime.id || !msg || msg.type !== 'zavera-portal-origin') return false;
  portalAllowed(senderOrigin(sender), null).then((allowed) => sendResponse({ allowed }), () => sendResponse({ allowed: false }));
  return true;
});

// The popup asks for the pairings waiting for the user.
api.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (sender.id !== api.runtime.id || !msg || msg.type !== 'pairings') return false;
  sendResponse({ pairings: Array.from(pairings.values()).map(({ origin, code }) => ({ origin, code })) });
  return false;
});
