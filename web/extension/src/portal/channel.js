// The content scripts' side of the portal interfaces (ifc.js and
// gosuslugi.js, isolated world): whether this frame's origin is served,
// and the agent calls, carried to the background on the port
// "zavera-portal". The background takes the origin from the browser and
// decides again on every call (portal/access.js); nothing here is trusted
// for that.

const zaveraAPI = globalThis.browser && globalThis.browser.runtime ? globalThis.browser : globalThis.chrome;

// der.js reports malformed input through cadesError; here it is a plain
// Error naming the kind.
function cadesError(kind) {
  const e = new Error(`zavera: ${kind}`);
  e.kind = kind;
  return e;
}

// portalAccess resolves to whether the interfaces may answer in this frame:
// at once for the portal's own origins, else as the background says.
function portalAccess() {
  const origin = window.location.origin;
  if (isStatePortalOrigin(origin)) return Promise.resolve(true);
  if (!/^https?:\/\//.test(origin)) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      zaveraAPI.runtime.sendMessage({ type: 'zavera-portal-origin' }, (answer) => {
        resolve(!!(answer && answer.allowed === true));
      });
    } catch (_) {
      resolve(false);
    }
  });
}

function unavailableError() {
  return { code: 1010, message: 'extension unavailable', data: { reason: 'unavailable' } };
}

// AgentChannel carries agent calls: call(method, params) resolves with the
// result or rejects with the agent's error {code, message, data}.
class AgentChannel {
  constructor() {
    this.port = null;
    this.nextId = 1;
    this.pending = new Map();
  }

  connect() {
    if (this.port) return this.port;
    const port = zaveraAPI.runtime.connect({ name: 'zavera-portal' });
    port.onMessage.addListener((m) => {
      const p = m && this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(m.error);
      else p.resolve(m.result);
    });
    port.onDisconnect.addListener(() => {
      if (this.port === port) this.port = null;
      for (const p of this.pending.values()) p.reject(unavailableError());
      this.pending.clear();
    });
    this.port = port;
    return port;
  }

  call(method, params) {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      try {
        this.connect().postMessage({ id, method, params: params || {} });
      } catch (_) {
        this.pending.delete(id);
        this.port = null;
        reject(unavailableError());
      }
    });
  }
}

// reasonOf is the agent's stable reason of an error, or 'unavailable'.
function reasonOf(e) {
  return (e && e.data && (e.data.upload || e.data.reason)) || 'unavailable';
}

// bytesOfString is a string's UTF-8 bytes.
function bytesOfString(text) {
  return new TextEncoder().encode(String(text));
}
