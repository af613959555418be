// Zavera JavaScript client: talks to the Zavera signing agent on the
// loopback interface (docs/protocol.md) from a portal page.
//
// One ES module, no dependencies. Connect once, then list certificates,
// sign, sign batches and login challenges; every failure is a ZaveraError
// with a stable `reason`, the agent's `code`, and a message a person can act
// on in Russian and English.
//
//   import { connect } from './zavera.js';
//   const z = await connect({ onPairing: code => showCode(code) });
//   const [c] = await z.certificates({ innle: '7707083893', validNow: true });
//   const { signature } = await z.sign({ certificate: c.id, data: bytes, description: 'Заявление' });
//
// A Zavera object belongs to one page and one websocket; its methods may be
// called concurrently (requests are matched by id).

export const VERSION = '1.0.0';
export const PROTOCOL_VERSION = 1;
export const DEFAULT_PORT = 27413;
/**
 * How many ports, from `port`, connect tries: on a computer where several
 * people are logged in at once each user's agent takes the first free
 * port of this range.
 */
export const PORT_RANGE = 8;
/**
 * The websocket close code of an agent that serves another user of this
 * computer: it refused the page's process before reading anything.
 */
export const CLOSE_PEER_REFUSED = 4403;

/** The stable reasons of ZaveraError: the agent's and the client's own. */
export const Reason = Object.freeze({
  // From the agent (protocol error codes).
  BAD_REQUEST: 'bad_request',
  CANCELLED: 'cancelled',
  ORIGIN_NOT_ALLOWED: 'origin_not_allowed',
  PIN_INCORRECT: 'pin_incorrect',
  PIN_LOCKED: 'pin_locked',
  TOKEN_NOT_FOUND: 'token_not_found',
  CERTIFICATE_NOT_FOUND: 'certificate_not_found',
  TOO_LARGE: 'too_large',
  BUSY: 'busy',
  INTERNAL: 'internal',
  UNAVAILABLE: 'unavailable',
  TOKEN_DRIVER_FAILED: 'token_driver_failed',
  // From the client: why there is no connection.
  AGENT_NOT_RUNNING: 'agent_not_running',
  LOCAL_NETWORK_ACCESS_DENIED: 'local_network_access_denied',
  LOCAL_NETWORK_ACCESS_PROMPT: 'local_network_access_prompt',
  CONNECTION_REFUSED: 'connection_refused',
  AGENT_OUTDATED: 'agent_outdated',
  NOT_ZAVERA: 'not_zavera',
  OTHER_USER_AGENT: 'other_user_agent',
  CONNECTION_LOST: 'connection_lost',
  TIMEOUT: 'timeout',
});

/** The agent's error codes (docs/protocol.md, "Errors"). */
export const Code = Object.freeze({
  PARSE_ERROR: -32700, INVALID_REQUEST: -32600, METHOD_NOT_FOUND: -32601, INVALID_PARAMS: -32602,
  CANCELLED: 1001, ORIGIN_NOT_ALLOWED: 1002, PIN_INCORRECT: 1003, PIN_LOCKED: 1004,
  TOKEN_NOT_FOUND: 1005, CERTIFICATE_NOT_FOUND: 1006, BAD_REQUEST: 1007, TOO_LARGE: 1008,
  BUSY: 1009, INTERNAL: 1010, UNAVAILABLE: 1011, TOKEN_DRIVER_FAILED: 1012,
});

const reasonByCode = {
  [-32700]: 'bad_request', [-32600]: 'bad_request', [-32601]: 'bad_request', [-32602]: 'bad_request',
  1001: 'cancelled', 1002: 'origin_not_allowed', 1003: 'pin_incorrect', 1004: 'pin_locked',
  1005: 'token_not_found', 1006: 'certificate_not_found', 1007: 'bad_request', 1008: 'too_large',
  1009: 'busy', 1010: 'internal', 1011: 'unavailable', 1012: 'token_driver_failed',
};

// Messages a person can act on. {tries} and {port} are filled in.
const messages = {
  bad_request: {
    ru: 'Страница отправила Zavera запрос, который нельзя выполнить. Сообщите о проблеме в поддержку портала.',
    en: 'The page sent Zavera a request it cannot serve. Please report this to the portal\'s support.',
  },
  cancelled: {
    ru: 'Подписание отменено.',
    en: 'Signing was cancelled.',
  },
  origin_not_allowed: {
    ru: 'Zavera не разрешила этому сайту доступ к подписи. Повторите и в окне Zavera нажмите «Разрешить», сверив код с кодом на странице.',
    en: 'Zavera has not allowed this site to use signing. Try again and click "Allow" in Zavera\'s window after checking that the code matches the one on this page.',
  },
  pin_incorrect: {
    ru: 'Неверный PIN-код токена.{tries}',
    en: 'Wrong token PIN.{tries}',
  },
  pin_locked: {
    ru: 'PIN-код токена заблокирован. Разблокируйте токен PIN-кодом администратора или обратитесь в удостоверяющий центр.',
    en: 'The token\'s PIN is locked. Unlock it with the administrator (SO) PIN or contact your certification authority.',
  },
  token_not_found: {
    ru: 'Токен не найден. Вставьте токен с подписью и повторите.',
    en: 'No token found. Insert your signature token and try again.',
  },
  certificate_not_found: {
    ru: 'Сертификат не найден. Вставьте токен с этим сертификатом и выберите сертификат заново.',
    en: 'Certificate not found. Insert the token holding it and choose the certificate again.',
  },
  too_large: {
    ru: 'Слишком большой документ или слишком много файлов для одного подписания.',
    en: 'The document is too large, or there are too many files for one signing.',
  },
  busy: {
    ru: 'Zavera временно не принимает запросы от этого сайта (идёт другое подписание или было несколько отказов подряд). Подождите минуту и повторите.',
    en: 'Zavera is not taking requests from this site for now (another signing is in progress, or several were refused in a row). Wait a minute and try again.',
  },
  internal: {
    ru: 'Ошибка Zavera или токена. Переподключите токен и повторите; если не поможет, перезапустите Zavera.',
    en: 'Zavera or the token failed. Reconnect the token and try again; if that does not help, restart Zavera.',
  },
  unavailable: {
    ru: 'Не удалось получить штамп времени или данные о статусе сертификата: служба штампов времени или удостоверяющего центра недоступна. Подпись не создана; повторите позже.',
    en: 'No time-stamp or certificate status could be obtained: the time-stamping or certification authority\'s service is unavailable. No signature was made; try again later.',
  },
  token_driver_failed: {
    ru: 'Драйвер токена дал сбой, Zavera перезапустила его. Повторите подписание — понадобится снова ввести PIN-код.',
    en: 'The token\'s driver failed and Zavera restarted it. Sign again; you will be asked for the PIN again.',
  },
  agent_not_running: {
    ru: 'Программа Zavera не отвечает. Запустите Zavera (или установите её) и нажмите «Повторить».',
    en: 'The Zavera program does not answer. Start Zavera (or install it) and click "Retry".',
  },
  local_network_access_denied: {
    ru: 'Браузер не разрешил сайту связь с программой Zavera на этом компьютере. Нажмите на значок слева от адреса сайта, разрешите «Доступ к локальной сети» и обновите страницу.',
    en: 'The browser did not allow this site to reach the Zavera program on this computer. Click the icon left of the address bar, allow "Local network access", and reload the page.',
  },
  local_network_access_prompt: {
    ru: 'Браузер ждёт вашего разрешения на связь сайта с программой Zavera на этом компьютере. Разрешите «Доступ к локальной сети» в запросе браузера и нажмите «Повторить».',
    en: 'The browser is waiting for you to allow this site to reach the Zavera program on this computer. Allow "Local network access" in the browser\'s prompt and click "Retry".',
  },
  connection_refused: {
    ru: 'Zavera работает, но отказалась подключать этот сайт: сайт должен открываться по https (или быть указан в настройках Zavera).',
    en: 'Zavera is running but refused to connect this site: the site must be served over https (or be listed in Zavera\'s configuration).',
  },
  agent_outdated: {
    ru: 'Установлена устаревшая версия Zavera. Обновите Zavera и повторите.',
    en: 'The installed version of Zavera is too old. Update Zavera and try again.',
  },
  not_zavera: {
    ru: 'На порту {port} отвечает не Zavera. Закройте программу, занявшую порт, или укажите Zavera другой порт.',
    en: 'Something other than Zavera answers on port {port}. Close the program using the port, or give Zavera another port.',
  },
  other_user_agent: {
    ru: 'Zavera на этом компьютере запущена другим пользователем, а ваша Zavera не отвечает. Запустите Zavera под своей учётной записью и нажмите «Повторить».',
    en: 'The Zavera running on this computer belongs to another user, and yours does not answer. Start Zavera under your own account and click "Retry".',
  },
  connection_lost: {
    ru: 'Связь с Zavera прервалась. Проверьте, что Zavera запущена, и повторите.',
    en: 'The connection to Zavera was lost. Check that Zavera is running and try again.',
  },
  timeout: {
    ru: 'Zavera не ответила вовремя. Проверьте, что Zavera запущена, и повторите.',
    en: 'Zavera did not answer in time. Check that Zavera is running and try again.',
  },
};

function pickLang(lang) {
  if (lang === 'ru' || lang === 'en') return lang;
  const nav = typeof navigator !== 'undefined' && navigator.language ? navigator.language : 'ru';
  return /^en\b/i.test(nav) ? 'en' : 'ru';
}

function render(reason, lang, data) {
  const m = messages[reason] || messages.internal;
  const tries = data && typeof data.triesLeft === 'number'
    ? (lang === 'ru' ? ` Осталось попыток: ${data.triesLeft}.` : ` Tries left: ${data.triesLeft}.`) : '';
  return m[lang].replace('{tries}', tries).replace('{port}', data && data.port ? String(data.port) : '');
}

/**
 * A failure of the agent or of the connection to it. `reason` is stable
 * (see Reason); `code` is the agent's error code when the agent answered;
 * `message` is in the language chosen at connect, `messages` has both.
 */
export class ZaveraError extends Error {
  constructor(reason, { code, data, lang, detail, cause } = {}) {
    const l = pickLang(lang);
    super(render(reason, l, data), cause ? { cause } : undefined);
    this.name = 'ZaveraError';
    this.reason = reason;
    this.code = code;
    this.data = data;
    this.detail = detail;
    this.messages = { ru: render(reason, 'ru', data), en: render(reason, 'en', data) };
    if (data && typeof data.triesLeft === 'number') this.triesLeft = data.triesLeft;
  }

  /** True when the user can fix it at their desk and retry. */
  get retryable() {
    return !['bad_request', 'agent_outdated', 'not_zavera'].includes(this.reason);
  }
}

/** Standard base64 of bytes (Uint8Array, ArrayBuffer, a view) or of a string as UTF-8. */
export function toBase64(input) {
  let bytes;
  if (typeof input === 'string') bytes = new TextEncoder().encode(input);
  else if (input instanceof ArrayBuffer) bytes = new Uint8Array(input);
  else if (ArrayBuffer.isView(input)) bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  else throw new TypeError('zavera: data must be a string, an ArrayBuffer or a typed array');
  if (typeof bytes.toBase64 === 'function') return bytes.toBase64();
  if (typeof globalThis.Buffer === 'function') return globalThis.Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** Bytes of a standard base64 string. */
export function fromBase64(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The size of the chunks an upload sends, and how many may be unanswered. */
export const UPLOAD_CHUNK = 512 << 10;
/**
 * The largest `data` sent inline in one message: the agent takes messages
 * of at most 1.5 MiB (control data and one chunk), so larger data is
 * uploaded (documentOpen, documentChunk) and signed by its id.
 */
export const INLINE_MAX = 1 << 20;
const UPLOAD_WINDOW = 4;

// blobChunks yields a Blob's bytes n at a time, reading each slice only
// when it is needed.
async function* blobChunks(blob, n) {
  for (let off = 0; off < blob.size; off += n) {
    yield new Uint8Array(await blob.slice(off, Math.min(off + n, blob.size)).arrayBuffer());
  }
}

async function* bytesChunks(data, n) {
  const b = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  for (let off = 0; off < b.length; off += n) yield b.subarray(off, Math.min(off + n, b.length));
}

// streamChunks yields a ReadableStream's bytes in chunks of n (the last
// one shorter), whatever sizes the stream delivers.
async function* streamChunks(stream, n) {
  const reader = stream.getReader();
  let buf = new Uint8Array(n);
  let have = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      let v = value instanceof Uint8Array ? value : new Uint8Array(value);
      while (v.length > 0) {
        const take = Math.min(n - have, v.length);
        buf.set(v.subarray(0, take), have);
        have += take;
        v = v.subarray(take);
        if (have === n) {
          yield buf;
          buf = new Uint8Array(n);
          have = 0;
        }
      }
    }
    if (have > 0) yield buf.subarray(0, have);
  } finally {
    reader.releaseLock();
  }
}

// rereadable refuses a source that cannot be read a second time, which
// an attached signature of an upload needs.
function rereadable(source) {
  if (typeof ReadableStream !== 'undefined' && source instanceof ReadableStream) {
    throw new TypeError('zavera: an attached signature needs a File, a Blob or bytes, not a stream');
  }
}

// attachedBlob joins the parts the agent returned around the document.
function attachedBlob(parts, source) {
  return new Blob([fromBase64(parts.prefix), source, fromBase64(parts.suffix)], { type: 'application/pkcs7-signature' });
}

async function bytesOf(data) {
  if (typeof Blob !== 'undefined' && data instanceof Blob) return new Uint8Array(await data.arrayBuffer());
  return data;
}

// largeBytes returns data (bytes or a string, sent as UTF-8) as bytes
// when it is over INLINE_MAX, else null.
function largeBytes(data) {
  if (typeof data === 'string') {
    if (data.length * 3 <= INLINE_MAX) return null; // at most 3 UTF-8 bytes a UTF-16 unit
    const b = new TextEncoder().encode(data);
    return b.length > INLINE_MAX ? b : null;
  }
  const n = data instanceof ArrayBuffer || ArrayBuffer.isView(data) ? data.byteLength : 0;
  if (n <= INLINE_MAX) return null;
  return data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function withTimeout(promise, ms, onTimeout) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, reject) => { t = setTimeout(() => reject(onTimeout()), ms); }),
  ]).finally(() => clearTimeout(t));
}

// openSocket resolves with an open socket, or rejects with how it failed:
// {closed: true} when the socket failed before opening.
function openSocket(make, url, ms) {
  return new Promise((resolve, reject) => {
    let ws;
    try {
      ws = make(url);
    } catch (e) {
      reject({ thrown: e });
      return;
    }
    const timer = setTimeout(() => { try { ws.close(); } catch (_) { /* already closed */ } reject({ timeout: true }); }, ms);
    ws.onopen = () => { clearTimeout(timer); ws.onopen = ws.onerror = ws.onclose = null; resolve(ws); };
    ws.onerror = () => {};
    ws.onclose = (ev) => { clearTimeout(timer); reject({ closed: true, code: ev && ev.code }); };
  });
}

// lnaState is the state of Chrome's Local Network Access permission for
// the page ('granted', 'denied', 'prompt'), or '' where the browser has
// no such permission.
async function lnaState() {
  if (typeof navigator === 'undefined' || !navigator.permissions || !navigator.permissions.query) return '';
  for (const name of ['local-network-access', 'loopback-network']) {
    try {
      return (await navigator.permissions.query({ name })).state;
    } catch (_) { /* this browser does not know the permission */ }
  }
  return '';
}

// diagnose tells why no connection could be made on any port: the
// browser's Local Network Access permission, nothing listening, or an
// agent that refused the site.
async function diagnose(opts, ports) {
  if (await lnaState() === 'denied') return 'local_network_access_denied';
  if (typeof fetch !== 'function') return 'agent_not_running';
  for (const port of ports) {
    const ctl = typeof AbortController !== 'undefined' ? new AbortController() : null;
    const t = setTimeout(() => ctl && ctl.abort(), Math.min(opts.timeout, 3000));
    try {
      await fetch(`http://${opts.host}:${port}/`, { mode: 'no-cors', cache: 'no-store', signal: ctl && ctl.signal });
      return 'connection_refused'; // something answers HTTP but refused the websocket
    } catch (_) {
      // nothing on this port
    } finally {
      clearTimeout(t);
    }
  }
  return 'agent_not_running';
}

// portsOf lists the ports connect tries, in order.
function portsOf(opts) {
  const n = Math.max(1, Math.floor(Number(opts.portRange) || 1));
  const ports = [];
  for (let p = opts.port; p < opts.port + n && p <= 65535; p++) ports.push(p);
  return ports;
}

// openAgent opens a websocket to one port, trying the schemes in order.
// It resolves with the socket, or with {failure} when none opened.
async function openAgent(make, opts, port) {
  let failure = null;
  for (const scheme of opts.schemes) {
    try {
      return { ws: await openSocket(make, `${scheme}://${opts.host}:${port}/`, opts.timeout) };
    } catch (f) {
      failure = f;
      if (f.timeout || f.code === CLOSE_PEER_REFUSED) break;
    }
  }
  return { failure };
}

// hello says hello on an open socket. It resolves with the connection,
// or with {refused: true} when the agent serves another user, or
// {error} when what answers is not a usable Zavera.
async function hello(ws, opts, port) {
  const z = new Zavera(ws, { ...opts, port });
  let h;
  try {
    h = await withTimeout(z.request('hello', { protocols: [PROTOCOL_VERSION], client: opts.client }), opts.timeout,
      () => new ZaveraError('not_zavera', { lang: opts.lang, data: { port } }));
  } catch (e) {
    z.close();
    if (z.closeCode === CLOSE_PEER_REFUSED) return { refused: true };
    if (e instanceof ZaveraError && e.reason === 'bad_request') {
      return { error: new ZaveraError('agent_outdated', { lang: opts.lang, code: e.code, data: e.data, cause: e }) };
    }
    if (e instanceof ZaveraError && e.reason === 'connection_lost') {
      return { error: new ZaveraError('not_zavera', { lang: opts.lang, data: { port }, cause: e }) };
    }
    if (e instanceof ZaveraError) return { error: e };
    throw e;
  }
  if (!h || h.protocol !== PROTOCOL_VERSION) {
    z.close();
    return { error: new ZaveraError('agent_outdated', { lang: opts.lang, detail: `agent chose protocol ${h && h.protocol}` }) };
  }
  z.protocol = h.protocol;
  z.approved = !!h.approved;
  return { z };
}

/**
 * Connects to the user's agent on the loopback interface: tries the
 * ports of the range from `port` in order (PORT_RANGE of them, or
 * `portRange`), wss:// then ws:// on each, and uses the first agent that
 * answers hello. An agent that serves another user of this computer
 * closes with CLOSE_PEER_REFUSED and is passed over, as is a port where
 * nothing or something else answers. When the site is not approved yet
 * and `pair` is not false, asks the user to approve it (onPairing gets
 * the code to show on the page).
 */
export async function connect(options = {}) {
  const opts = {
    port: DEFAULT_PORT, portRange: PORT_RANGE, host: '127.0.0.1', schemes: ['wss', 'ws'], timeout: 10000,
    client: `zavera.js ${VERSION}`, pair: true, ...options,
  };
  opts.lang = pickLang(options.lang);
  const Socket = opts.WebSocket || (typeof WebSocket !== 'undefined' ? WebSocket : null);
  const make = opts.createWebSocket || ((url) => new Socket(url));
  if (!opts.createWebSocket && !Socket) {
    throw new TypeError('zavera: no WebSocket in this environment; pass options.WebSocket or options.createWebSocket');
  }
  const ports = portsOf(opts);
  let otherUser = false;
  let helloError = null;
  let z = null;
  for (const port of ports) {
    const { ws, failure } = await openAgent(make, opts, port);
    if (!ws) {
      if (failure && failure.timeout) {
        // A connection held open that long is most often waiting for the
        // user's answer to the browser's Local Network Access prompt.
        const reason = await lnaState() === 'prompt' ? 'local_network_access_prompt' : 'timeout';
        throw new ZaveraError(reason, { lang: opts.lang, data: { port }, detail: 'websocket did not open in time' });
      }
      if (failure && failure.code === CLOSE_PEER_REFUSED) otherUser = true;
      continue;
    }
    const r = await hello(ws, opts, port);
    if (r.z) {
      z = r.z;
      break;
    }
    if (r.refused) otherUser = true;
    else if (!helloError) helloError = r.error;
  }
  if (!z) {
    if (otherUser) {
      throw new ZaveraError('other_user_agent', { lang: opts.lang, data: { port: opts.port }, detail: `an agent closed with ${CLOSE_PEER_REFUSED}` });
    }
    if (helloError) throw helloError;
    const reason = await diagnose(opts, ports);
    throw new ZaveraError(reason, { lang: opts.lang, data: { port: opts.port }, detail: 'websocket did not open' });
  }
  if (!z.approved && opts.pair) {
    try {
      await z.pair({ onPairing: opts.onPairing });
    } catch (e) {
      z.close();
      throw e;
    }
  }
  return z;
}

/** A connection to the agent. Get one from connect(). */
export class Zavera {
  constructor(ws, opts) {
    this._ws = ws;
    this._opts = opts;
    this._nextId = 1;
    this._pending = new Map();
    this._listeners = new Set();
    this._closeHandlers = new Set();
    this._subscribed = false;
    this.closed = false;
    this.url = ws.url;
    this.port = opts.port;
    this.closeCode = 0;
    this.protocol = 0;
    this.approved = false;
    ws.onmessage = (ev) => this._receive(ev.data);
    ws.onerror = () => {};
    ws.onclose = (ev) => this._closed(ev);
  }

  _error(reason, extra = {}) {
    return new ZaveraError(reason, { lang: this._opts.lang, ...extra });
  }

  _receive(raw) {
    let m;
    try {
      m = JSON.parse(typeof raw === 'string' ? raw : String(raw));
    } catch (_) {
      return;
    }
    if (m && m.id === undefined && typeof m.method === 'string') {
      this._notification(m.method, m.params || {});
      return;
    }
    const p = m && this._pending.get(m.id);
    if (!p) return;
    this._pending.delete(m.id);
    if (p.cleanup) p.cleanup();
    if (m.error) {
      const data = m.error.data || {};
      const reason = data.reason || reasonByCode[m.error.code] || 'internal';
      p.reject(this._error(reason, { code: m.error.code, data, detail: m.error.message }));
    } else {
      p.resolve(m.result);
    }
  }

  _notification(method, params) {
    if (method === 'event') {
      for (const fn of this._listeners) {
        try { fn(params); } catch (e) { setTimeout(() => { throw e; }); }
      }
      return;
    }
    const p = this._pending.get(params.request);
    if (p && p.onNotification) p.onNotification(method, params);
  }

  _closed(ev) {
    if (this.closed) return;
    this.closed = true;
    this.closeCode = (ev && ev.code) || 0;
    const err = this._error('connection_lost', { detail: `websocket closed${ev && ev.code ? ` (${ev.code})` : ''}` });
    for (const p of this._pending.values()) {
      if (p.cleanup) p.cleanup();
      p.reject(err);
    }
    this._pending.clear();
    for (const fn of this._closeHandlers) fn(err);
  }

  /**
   * Sends one request and resolves with its result. `signal` cancels it
   * (the agent closes its prompt; a batch stops after the current
   * document). Low level: prefer the named methods.
   */
  request(method, params, { signal, onNotification } = {}) {
    if (this.closed) return Promise.reject(this._error('connection_lost'));
    if (signal && signal.aborted) return Promise.reject(this._error('cancelled', { detail: 'aborted before sending' }));
    const id = this._nextId++;
    return new Promise((resolve, reject) => {
      const entry = { resolve, reject, onNotification };
      if (signal) {
        const onAbort = () => { this._send({ jsonrpc: '2.0', id: this._nextId++, method: 'cancel', params: { id } }); };
        signal.addEventListener('abort', onAbort, { once: true });
        entry.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this._pending.set(id, entry);
      const msg = { jsonrpc: '2.0', id, method };
      if (params !== undefined) msg.params = params;
      if (!this._send(msg)) {
        this._pending.delete(id);
        if (entry.cleanup) entry.cleanup();
        reject(this._error('connection_lost'));
      }
    });
  }

  _send(msg) {
    try {
      this._ws.send(JSON.stringify(msg));
      return true;
    } catch (_) {
      return false;
    }
  }

  /** Asks the user to approve this site; onPairing(code) gets the code to show. */
  async pair({ onPairing } = {}) {
    const r = await this.request('pair', undefined, {
      onNotification: (method, params) => { if (method === 'pairing' && onPairing) onPairing(params.code); },
    });
    this.approved = !!(r && r.approved);
    return this.approved;
  }

  /** The agent's version, methods, capabilities and limits. */
  info() { return this.request('info'); }

  /** The inserted tokens. */
  async tokens() { return (await this.request('tokens')).tokens; }

  /**
   * Certificates with a key on a token, matching every member of filter
   * (inn, innle, ogrn, snils, qualified, validNow, keyUsage).
   */
  async certificates(filter = {}, { signal } = {}) {
    return (await this.request('certificates', { filter }, { signal })).certificates;
  }

  /**
   * One CAdES-BES signature over `data` (bytes, a Blob or a string sent
   * as UTF-8), over `hash`, or over `file` (a File, a Blob or a
   * ReadableStream of bytes, with `size` for a stream), which is streamed
   * to the agent in chunks: the agent hashes it as it arrives and asks the
   * user only once all of it is there. Resolves with {signature, digest},
   * base64. onUpload({sent, size}) follows the upload; `signal` cancels it
   * (or the prompt, once shown). With `file` and `attached`, `signature`
   * is a Blob of the attached signature: the agent returns what goes
   * around the document, which it does not keep, and the Blob joins them
   * with the file itself (so `file` must be a File, a Blob or bytes).
   * `level` 'T' or 'XLT1' asks for a long-term signature (CAdES-T, CAdES-X
   * Long Type 1) with a time-stamp from the agent's configured authority,
   * or from `tsa` where the agent's configuration lets pages name one; an
   * authority or responder that cannot be reached rejects with reason
   * 'unavailable' (1011), after the user signed.
   */
  async sign({ certificate, data, hash, file, description, files, name, size, attached, level, tsa }, { signal, onUpload } = {}) {
    const p = { certificate, description };
    if (level !== undefined) p.level = level;
    if (tsa !== undefined) p.tsa = tsa;
    if (file !== undefined) {
      if (attached) rereadable(file);
      const doc = await this.upload(file, { certificate, name, size, signal, onProgress: onUpload });
      try {
        p.document = doc;
        if (files) p.files = files;
        if (attached) p.attached = true;
        const r = await this.request('sign', p, { signal });
        return attached ? { signature: attachedBlob(r, file), digest: r.digest } : r;
      } finally {
        this._forget(doc);
      }
    }
    if (data !== undefined) {
      const bytes = await bytesOf(data);
      const large = largeBytes(bytes);
      if (large) {
        // Too large for a message: uploaded, and an attached signature
        // joined here, so that the result is as for small data.
        const r = await this.sign({ certificate, file: large, description, files, name, attached, level, tsa }, { signal, onUpload });
        if (!attached) return r;
        const parts = new Uint8Array(await r.signature.arrayBuffer());
        return { signature: toBase64(parts), digest: r.digest };
      }
      p.data = toBase64(bytes);
    }
    if (hash !== undefined) p.hash = typeof hash === 'string' ? hash : toBase64(hash);
    if (files) p.files = files;
    if (name !== undefined) p.name = name;
    if (size !== undefined) p.size = size;
    if (attached) p.attached = true;
    return this.request('sign', p, { signal });
  }

  /**
   * Streams a document to the agent (documentOpen, documentChunk) and
   * resolves with its id, which sign and signBatch take as `document`
   * once it is complete; the agent hashes it with the digest of
   * `certificate`'s key. `source` is a File, a Blob, bytes or a
   * ReadableStream of bytes (then `size` is required: the agent checks
   * that exactly that many bytes arrive). onProgress({sent, size}) is
   * called as the agent acknowledges chunks. `signal` cancels: the agent
   * forgets the document and the promise rejects with `cancelled`.
   * Low level: sign({file}) and signBatch uploads and forgets by itself.
   */
  async upload(source, { certificate, name, size, signal, onProgress, chunkSize } = {}) {
    const isBlob = typeof Blob !== 'undefined' && source instanceof Blob;
    const isStream = typeof ReadableStream !== 'undefined' && source instanceof ReadableStream;
    if (size === undefined) {
      if (isBlob) size = source.size;
      else if (ArrayBuffer.isView(source) || source instanceof ArrayBuffer) size = source.byteLength;
      else throw new TypeError('zavera: the size of a stream must be given');
    }
    if (name === undefined && typeof File !== 'undefined' && source instanceof File) name = source.name;
    if (signal && signal.aborted) throw this._error('cancelled', { detail: 'aborted before sending' });
    const opened = await this.request('documentOpen', { name: name || '', size, certificate });
    const doc = opened.document;
    const n = Math.min(chunkSize || UPLOAD_CHUNK, opened.chunkSize || UPLOAD_CHUNK);
    const chunks = isStream ? streamChunks(source, n) : isBlob ? blobChunks(source, n) : bytesChunks(source, n);
    let aborted = false;
    const onAbort = () => { aborted = true; };
    if (signal) signal.addEventListener('abort', onAbort, { once: true });
    const inflight = [];
    let offset = 0;
    let sent = 0;
    try {
      for await (const bytes of chunks) {
        if (aborted) break;
        if (offset + bytes.length > size) throw this._error('bad_request', { detail: `the document is longer than its size ${size}` });
        const len = bytes.length;
        inflight.push(this.request('documentChunk', { document: doc, offset, data: toBase64(bytes) }).then(() => {
          sent += len;
          if (onProgress) onProgress({ sent, size });
        }));
        offset += len;
        // A few chunks on their way keep the agent busy; more would only
        // fill the socket's buffers.
        if (inflight.length >= UPLOAD_WINDOW) await inflight.shift();
      }
      await Promise.all(inflight);
      if (aborted) throw this._error('cancelled', { detail: 'upload aborted' });
      if (offset !== size) throw this._error('bad_request', { detail: `${offset} bytes read, size ${size}` });
      return doc;
    } catch (e) {
      if (chunks.return) chunks.return();
      await Promise.allSettled(inflight);
      this._forget(doc);
      throw e;
    } finally {
      if (signal) signal.removeEventListener('abort', onAbort);
    }
  }

  // _forget frees an upload on the agent, without waiting.
  _forget(doc) {
    if (!this.closed) this.request('documentCancel', { document: doc }).catch(() => {});
  }

  /**
   * Many documents with one confirmation and one PIN. Each document is
   * {name, data}, {name, size, hash} or {name, file} (a File, Blob or
   * ReadableStream with `size`; files are streamed to the agent one after
   * the other before the confirmation). onUpload({index, sent, size})
   * follows the uploads; onProgress({index, total, signed, reason})
   * follows each signed document. Resolves with one entry per document:
   * {index, signature, digest} or {index, error} where error is a
   * ZaveraError.
   */
  async signBatch({ certificate, description, documents }, { signal, onProgress, onUpload } = {}) {
    const docs = [];
    const uploaded = [];
    try {
      for (const [index, d] of documents.entries()) {
        const out = { name: d.name };
        const large = d.data !== undefined && d.file === undefined ? largeBytes(await bytesOf(d.data)) : null;
        if (d.file !== undefined || large) {
          if (d.file !== undefined && d.attached) throw new TypeError('zavera: sign an attached signature of a file with sign({file, attached})');
          const id = await this.upload(large || d.file, {
            certificate, name: d.name, size: d.size, signal,
            onProgress: onUpload && ((p) => onUpload({ index, ...p })),
          });
          uploaded.push(id);
          docs.push({ document: id });
          continue;
        }
        if (d.data !== undefined) {
          const bytes = await bytesOf(d.data);
          out.data = toBase64(bytes);
          out.size = d.size !== undefined ? d.size : (typeof bytes === 'string' ? new TextEncoder().encode(bytes).length : bytes.byteLength);
        } else {
          out.size = d.size;
          out.hash = typeof d.hash === 'string' ? d.hash : toBase64(d.hash);
        }
        docs.push(out);
      }
      const r = await this.request('signBatch', { certificate, description, documents: docs }, {
        signal,
        onNotification: (method, params) => {
          if (method === 'progress' && onProgress) onProgress({ index: params.index, total: params.total, signed: params.signed, reason: params.reason });
        },
      });
      return r.results.map((e) => (e.error
        ? { index: e.index, error: this._error((e.error.data && e.error.data.reason) || reasonByCode[e.error.code] || 'internal', { code: e.error.code, data: e.error.data, detail: e.error.message }) }
        : e));
    } finally {
      for (const id of uploaded) this._forget(id);
    }
  }

  /**
   * Signs the login challenge for `nonce` (bytes or base64, 16 to 256
   * bytes, from the portal's server). Resolves with {signature, content}.
   * The server rebuilds the content from its own origin and the nonce and
   * requires the login content type, which sign and signBatch never write
   * (docs/protocol.md, "How a portal verifies a login").
   */
  async signChallenge({ certificate, nonce, description }, { signal } = {}) {
    const p = { certificate, nonce: typeof nonce === 'string' ? nonce : toBase64(nonce) };
    if (description !== undefined) p.description = description;
    return this.request('signChallenge', p, { signal });
  }

  /**
   * Calls handler({kind, token}) for token events (tokenInserted,
   * tokenRemoved, certificatesChanged). Resolves with a function that
   * removes the handler.
   */
  async onTokenEvent(handler) {
    this._listeners.add(handler);
    if (!this._subscribed) {
      this._subscribed = true;
      try {
        await this.request('subscribe');
      } catch (e) {
        this._subscribed = false;
        this._listeners.delete(handler);
        throw e;
      }
    }
    return async () => {
      this._listeners.delete(handler);
      if (this._listeners.size === 0 && this._subscribed && !this.closed) {
        this._subscribed = false;
        await this.request('unsubscribe');
      }
    };
  }

  /** Calls handler(error) once when the connection ends. */
  onClose(handler) {
    this._closeHandlers.add(handler);
    return () => this._closeHandlers.delete(handler);
  }

  /** Closes the connection; requests in flight are cancelled by the agent. */
  close() {
    if (this.closed) return;
    try { this._ws.close(); } catch (_) { /* already closed */ }
    this._closed({ code: 1000 });
  }
}
