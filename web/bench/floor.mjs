// The floor under the portal bench (portal.mjs): the same chunks carried
// from the same page to a native messaging host by a minimal extension
// that does nothing else. Its content script takes each chunk from the
// window as the portal interface does and posts it on a port to its
// service worker as an agent call ({id, method, params: {document,
// offset, data}}), the service worker posts it to the native host as
// zavera-host's frame ({session, origin, message}), and the host (a
// Node script) answers each with a few bytes, which come back the same
// way. No checks, no hashing: what the browser's processes spend here is
// what Chromium's window and extension messaging cost for these bytes,
// whatever an extension does with them. The floor can stop short: at
// the content script (hops 0: it answers each chunk itself) or at the
// service worker (hops 1: the worker answers); or take another way to the
// host (hops 3: a hidden frame of the extension in the page, reached on a
// MessageChannel, with a native port of its own, no service worker); or
// leave the extension's messaging altogether (ws-text, ws-binary: the
// content script sends each chunk on a WebSocket to a sink on loopback, a
// Node process that answers each with a few bytes, as the page's base64
// in a text frame or decoded into a binary frame). Run alone, this file
// measures the ways named (all six by default):
//
//   node bench/floor.mjs [--size BYTES] [--ways 0,1,2,3,ws-text,ws-binary]
//     [--https] [--public] [--grant] [--host-permissions PATTERNS]
//     [--csp POLICY] [--playwright]
//
// It drives the browser itself on the DevTools protocol (see bareBrowser:
// playwright's own reporting of the page's WebSocket frames would be
// counted against the WebSocket ways), or through playwright with
// --playwright or --grant, which also reports the page's console errors.
// --https serves the page over TLS (a certificate made for the run, which
// the browser is told to accept) under the name portal.test; --public has
// the browser take the page's address for a public one, so that its
// requests to loopback are requests to the local network, which Chromium's
// Local Network Access blocks unless the page's origin holds the
// "local-network-access" permission (--grant gives it); --host-permissions
// gives the minimal extension these host permissions (comma-separated
// match patterns); --csp sends the page with that Content-Security-Policy
// header. A way that fails is reported and the run goes on.

import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

import { CHROMIUM, FLAGS } from '../test-support/browser.mjs';
import { generated } from '../test-support/bigdoc.mjs';
import { byProcess, cpuSpent, processCPU } from './proc.mjs';

const HOST = 'ru.zavera.floor';

// The page's side of gosuslugi.plugin's chunked requests, as the
// «Создание организации» page speaks it: window.gos posts one envelope and
// resolves with its answer; window.b64 reads a slice with a FileReader as
// base64; window.sendChunked sends a Blob in 512 KiB chunks, each answered
// before the next, and resolves with the last answer and the time taken.
export const pageProtocol = `(() => {
  window.gos = (id, type, data, chunk, chunks) => new Promise((resolve, reject) => {
    const onMsg = (ev) => {
      const m = ev.data;
      if (ev.source !== window || !m || m.id !== id || !m.node || m.method.type === 'progress' || (chunk !== undefined && m.meta.chunk !== String(chunk))) return;
      window.removeEventListener('message', onMsg);
      if (m.code !== '200') reject(new Error(m.code + ' ' + m.error)); else resolve(JSON.parse(m.method.result));
    };
    window.addEventListener('message', onMsg);
    const meta = { format: { type: 'message', version: '1.0.0.0', category: 'gosuslugi.plugin' }, routes: [{ node: 'bench', time: '', transfer: '' }] };
    if (chunk !== undefined) { meta.chunk = String(chunk); meta.chunks = String(chunks); }
    window.postMessage({ id, node: '', error: '', mode: '', module: { type: 'crypto' }, method: { type, data, result: '' }, meta }, window.location.origin);
  });
  window.b64 = (blob) => new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).split(',')[1] || '');
    r.onerror = () => reject(r.error);
    r.readAsDataURL(blob);
  });
  window.sendChunked = async (f, type, first) => {
    const CHUNK = 512 * 1024;
    const id = crypto.randomUUID();
    const total = 1 + Math.ceil(f.size / CHUNK);
    const t0 = performance.now();
    await window.gos(id, type, first, 1, total);
    let k = 1;
    let out = null;
    for (let off = 0; off < f.size; off += CHUNK) out = await window.gos(id, type, await window.b64(f.slice(off, off + CHUNK)), ++k, total);
    return { out, ms: performance.now() - t0 };
  };
})()`;

// makeBlob makes the generated document of size bytes in the page.
export function makeBlob(size) {
  return `(() => { ${generated.toString()}; window.bigdoc = new Blob(Array.from(generated(${size}))); })()`;
}

const CONTENT = (hops) => `
const HOPS = ${hops};
let next = 1;
let offset = 0;
const waiting = new Map();
function onAnswer(m) {
  const w = waiting.get(m.id);
  if (!w) return;
  waiting.delete(m.id);
  w();
}
let port;
if (HOPS === 3) {
  // A frame of the extension in the page, reached on a MessageChannel.
  const channel = new MessageChannel();
  const frame = document.createElement('iframe');
  frame.style.display = 'none';
  frame.src = chrome.runtime.getURL('relay.html');
  frame.onload = () => frame.contentWindow.postMessage('floor', new URL(frame.src).origin, [channel.port2]);
  document.documentElement.appendChild(frame);
  channel.port1.onmessage = (ev) => onAnswer(ev.data);
  port = channel.port1;
} else {
  port = chrome.runtime.connect({ name: 'floor' });
  port.onMessage.addListener(onAnswer);
}
function answer(m, result) {
  window.postMessage({ id: m.id, node: 'floor', error: '', code: '200', mode: '', module: { type: 'crypto' },
    method: { type: m.method.type, data: null, result: JSON.stringify(result) },
    meta: { format: m.meta.format, chunk: m.meta.chunk, chunks: m.meta.chunks, routes: [] } }, window.location.origin);
}
window.addEventListener('message', (ev) => {
  const m = ev.data;
  if (ev.source !== window || !m || m.node !== '' || !m.meta || !m.meta.chunk) return;
  const k = Number(m.meta.chunk);
  if (k === 1) { answer(m, { chunk: 1, received: 0 }); return; }
  const data = m.method.data;
  const id = next++;
  const done = HOPS === 0 ? Promise.resolve() : new Promise((resolve) => waiting.set(id, resolve));
  if (HOPS > 0) port.postMessage({ id, method: 'documentChunk', params: { document: 'd1', offset, data } });
  offset += data.length / 4 * 3;
  // Answered at once, as the portal interface answers a chunk before the
  // agent has it; the last once every chunk came back from the host.
  if (k < Number(m.meta.chunks)) answer(m, { chunk: k, received: offset });
  else done.then(() => answer(m, [{ id: 'f1', content: '' }]));
});
`;

// The extension's frame of hops 3: straight to the native host.
const RELAY = `
const native = chrome.runtime.connectNative('${HOST}');
window.addEventListener('message', (ev) => {
  const port = ev.ports[0];
  if (!port) return;
  native.onMessage.addListener((frame) => { if (frame.message) port.postMessage({ id: frame.message.id, result: frame.message.result }); });
  port.onmessage = (e) => {
    const m = e.data;
    native.postMessage({ session: '1:0:1', origin: ev.origin, message: { jsonrpc: '2.0', id: m.id, method: m.method, params: m.params } });
  };
});
`;

const WORKER = (hops) => `
const HOPS = ${hops};
let native = null;
chrome.runtime.onConnect.addListener((port) => {
  const origin = port.sender.origin;
  if (!native && HOPS > 1) {
    native = chrome.runtime.connectNative('${HOST}');
    native.onMessage.addListener((frame) => { if (frame.port === 1 && frame.message) current.postMessage({ id: frame.message.id, result: frame.message.result }); });
  }
  const current = port;
  port.onMessage.addListener((m) => {
    if (HOPS === 1) { port.postMessage({ id: m.id, result: { received: 0 } }); return; }
    native.postMessage({ session: '1:0:1', origin, message: { jsonrpc: '2.0', id: m.id, method: m.method, params: m.params } });
  });
});
`;

// The native host: reads frames (a 4-byte length, then JSON), answers each
// with the id it finds at the start of its message, without parsing the
// rest.
const NATIVE = `#!/usr/bin/env node
let buf = Buffer.alloc(0);
process.stdin.on('data', (d) => {
  buf = buf.length ? Buffer.concat([buf, d]) : d;
  while (buf.length >= 4) {
    const n = buf.readUInt32LE(0);
    if (buf.length < 4 + n) break;
    const head = buf.toString('latin1', 4, 4 + Math.min(n, 256));
    buf = buf.subarray(4 + n);
    const id = Number((/"id":(\\d+)/.exec(head) || [])[1]);
    const out = Buffer.from(JSON.stringify({ port: 1, message: { jsonrpc: '2.0', id, result: { received: 0 } } }));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(out.length);
    process.stdout.write(Buffer.concat([len, out]));
  }
});
`;

// The content script of the WebSocket ways: each chunk goes from the
// content script straight to the sink, as the page's base64 in a text
// frame or, decoded here, in a binary frame. The socket opens on the
// request's first message (metadata, no data), which is answered once it
// is open, or with "503" when it cannot open; the chunks are answered at
// once and the last once the sink has answered every chunk, as in the
// other ways.
const CONTENT_WS = (url, binary) => `
const BINARY = ${binary};
const fromBase64 = typeof Uint8Array.fromBase64 === 'function';
const decode = fromBase64 ? (s) => Uint8Array.fromBase64(s) : (s) => {
  const t = atob(s);
  const b = new Uint8Array(t.length);
  for (let i = 0; i < t.length; i++) b[i] = t.charCodeAt(i);
  return b;
};
let sock = null;
let offset = 0;
const waiting = []; // what to do on the sink's answers, in the order the chunks went
const violations = [];
document.addEventListener('securitypolicyviolation', (ev) => violations.push(ev.violatedDirective + ' ' + ev.blockedURI));
function answer(m, result, code = '200', error = '') {
  window.postMessage({ id: m.id, node: 'floor', error, code, mode: '', module: { type: 'crypto' },
    method: { type: m.method.type, data: null, result: JSON.stringify(result) },
    meta: { format: m.meta.format, chunk: m.meta.chunk, chunks: m.meta.chunks, routes: [] } }, window.location.origin);
}
function open() {
  return new Promise((resolve, reject) => {
    try { sock = new WebSocket(${JSON.stringify(url)}); } catch (e) { reject(e); return; }
    sock.binaryType = 'arraybuffer';
    sock.onopen = () => resolve();
    sock.onerror = () => reject(new Error('the WebSocket failed'));
    sock.onclose = (ev) => reject(new Error('the WebSocket closed: ' + ev.code));
    sock.onmessage = () => { const w = waiting.shift(); if (w) w(); };
  });
}
window.addEventListener('message', (ev) => {
  const m = ev.data;
  if (ev.source !== window || !m || m.node !== '' || !m.meta || !m.meta.chunk) return;
  const k = Number(m.meta.chunk);
  if (k === 1) {
    open().then(() => answer(m, { chunk: 1, received: 0 }),
      (e) => setTimeout(() => answer(m, null, '503', String(e && e.message || e) + (violations.length ? '; violated: ' + violations.join(', ') : '')), 100));
    return;
  }
  const data = m.method.data;
  const done = new Promise((resolve) => waiting.push(resolve));
  if (BINARY) {
    const bytes = decode(data);
    sock.send(bytes);
    offset += bytes.length;
  } else {
    sock.send(data);
    offset += data.length / 4 * 3 - (data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0);
  }
  if (k < Number(m.meta.chunks)) answer(m, { chunk: k, received: offset });
  else done.then(() => answer(m, [{ id: 'f1', content: '', received: offset, decoder: BINARY ? (fromBase64 ? 'Uint8Array.fromBase64' : 'atob') : '' }]));
});
`;

// The WebSocket ways' sink: a server on a free loopback port (\`ws\`, no
// compression) that answers each message with a few bytes. It writes its
// port, then the Origin header of each connection, one JSON line each.
const SINK = (wsModule) => `
import { WebSocketServer } from ${JSON.stringify(wsModule)};
const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 16 << 20 });
server.on('listening', () => console.log(JSON.stringify({ port: server.address().port })));
server.on('connection', (ws, req) => {
  console.log(JSON.stringify({ origin: req.headers.origin || '' }));
  let received = 0;
  ws.on('message', (data, binary) => {
    received += binary ? data.length : data.length / 4 * 3 - (data[data.length - 2] === 61 ? 2 : data[data.length - 1] === 61 ? 1 : 0);
    ws.send('{"received":' + received + '}');
  });
});
`;

// startSink starts the sink in a Node process of its own (so that its
// processor time is counted apart) and resolves with {port, origins,
// stop}: origins collects the Origin header of each connection.
async function startSink(dir) {
  const file = path.join(dir, 'floor-sink.mjs');
  fs.writeFileSync(file, SINK(import.meta.resolve('ws')));
  const proc = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const origins = [];
  const lines = readline.createInterface({ input: proc.stdout });
  const port = await new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`floor: the sink exited (${code})`)));
    lines.on('line', (line) => {
      const m = JSON.parse(line);
      if (m.port) resolve(m.port);
      if (m.origin !== undefined) origins.push(m.origin);
    });
  });
  return {
    port, origins,
    stop: () => new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) { resolve(); return; }
      proc.once('exit', resolve);
      proc.kill('SIGTERM');
    }),
  };
}

// The flags of playwright's that bear on speed, for a browser started
// without it.
const BARE_FLAGS = [
  '--disable-background-timer-throttling', '--disable-backgrounding-occluded-windows', '--disable-renderer-backgrounding',
  '--disable-ipc-flooding-protection', '--disable-hang-monitor', '--disable-dev-shm-usage', '--disable-breakpad',
  '--disable-field-trial-config', '--no-default-browser-check',
];

// bareBrowser starts Chromium on profile without playwright, speaking its
// DevTools protocol on a pipe and using only its Target and Runtime
// domains, so that nothing but the page reports on the page: playwright
// enables the Network domain on every page, which copies each WebSocket
// frame the page (or a content script) sends into an event, in the
// renderer and again in the browser process. It resolves with
// {open(url), close()}; open resolves with evaluate(expression), which
// runs expression in the page once it has loaded and resolves with its
// value (awaited when it is a promise).
async function bareBrowser(profile, args) {
  const proc = spawn(CHROMIUM, [...FLAGS, ...BARE_FLAGS, `--user-data-dir=${profile}`, '--remote-debugging-pipe', ...args, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => { stderr = (stderr + d).slice(-2000); });
  const pending = new Map();
  let next = 1;
  let buf = '';
  const exited = new Promise((resolve) => proc.once('exit', () => {
    for (const p of pending.values()) p.reject(new Error(`floor: the browser exited: ${stderr}`));
    pending.clear();
    resolve();
  }));
  proc.stdio[4].setEncoding('utf8');
  proc.stdio[4].on('data', (d) => {
    buf += d;
    for (let i = buf.indexOf('\0'); i >= 0; i = buf.indexOf('\0')) {
      const m = JSON.parse(buf.slice(0, i));
      buf = buf.slice(i + 1);
      const p = m.id && pending.get(m.id);
      if (!p) continue;
      pending.delete(m.id);
      if (m.error) p.reject(new Error(`floor: ${p.method}: ${m.error.message}`)); else p.resolve(m.result);
    }
  });
  const send = (method, params = {}, sessionId = undefined) => new Promise((resolve, reject) => {
    const id = next++;
    pending.set(id, { method, resolve, reject });
    proc.stdio[3].write(JSON.stringify({ id, method, params, sessionId }) + '\0');
  });
  const evaluateIn = (sessionId) => async (expression) => {
    const r = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, sessionId);
    if (r.exceptionDetails) throw new Error((r.exceptionDetails.exception && r.exceptionDetails.exception.description) || r.exceptionDetails.text);
    return r.result.value;
  };
  await send('Browser.getVersion');
  return {
    async open(url) {
      const { targetId } = await send('Target.createTarget', { url });
      const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
      const evaluate = evaluateIn(sessionId);
      for (let t = Date.now(); !(await evaluate(`location.href === ${JSON.stringify(url)} && document.readyState === 'complete'`));) {
        if (Date.now() - t > 30000) throw new Error(`floor: ${url} did not load`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return evaluate;
    },
    async close() {
      await send('Browser.close').catch(() => {});
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

// extensionKey makes a manifest key and the extension id Chromium derives
// from it.
function extensionKey() {
  const { publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const hex = crypto.createHash('sha256').update(der).digest('hex').slice(0, 32);
  return { key: der.toString('base64'), id: Array.from(hex, (c) => String.fromCharCode(97 + parseInt(c, 16))).join('') };
}

/**
 * messagingFloor sends size generated bytes from a page of origin through
 * the minimal extension to its native host, in a fresh browser profile
 * under dir, and returns {ms, cpu} (cpu: processor seconds by kind of
 * process, as processCPU). hops 0 stops at the content script, 1 at the
 * service worker, 2 (the default) goes on to the native host, 3 goes to
 * it from a frame of the extension instead of the service worker;
 * "ws-text" and "ws-binary" go from the content script to a WebSocket
 * sink (its processor time is "sink"; the result also has origins, the
 * Origin header of each of its connections, decoder, what decoded the
 * chunks, and pageSocket, "opened" or "refused": whether the page's own
 * script could then open a WebSocket to the sink). helpers counts the browser's helper processes apart (see
 * processCPU); browserArgs are more of Chromium's flags; hostPermissions
 * the extension's host permissions; grant gives the page's origin the
 * "local-network-access" permission; bare drives the browser without
 * playwright (see bareBrowser; grant needs playwright).
 */
export async function messagingFloor({ dir, origin, size, hops = 2, helpers = false, browserArgs = [], hostPermissions = [], grant = false, bare = false }) {
  const ext = path.join(dir, `floor-extension-${hops}`);
  const profile = path.join(dir, `floor-profile-${hops}`);
  fs.mkdirSync(ext, { recursive: true });
  fs.mkdirSync(path.join(profile, 'NativeMessagingHosts'), { recursive: true });
  const { key, id } = extensionKey();
  fs.writeFileSync(path.join(ext, 'manifest.json'), JSON.stringify({
    manifest_version: 3, name: 'messaging floor', version: '1.0', key,
    permissions: ['nativeMessaging'], host_permissions: hostPermissions, background: { service_worker: 'worker.js' },
    content_scripts: [{ matches: [`${origin}/*`], js: ['content.js'], run_at: 'document_start' }],
    web_accessible_resources: [{ resources: ['relay.html'], matches: [`${origin}/*`] }],
  }));
  fs.writeFileSync(path.join(ext, 'relay.html'), '<!doctype html><script src="relay.js"></script>');
  fs.writeFileSync(path.join(ext, 'relay.js'), RELAY);
  const ws = typeof hops === 'string' && /^ws-(text|binary)$/.test(hops);
  if (typeof hops === 'string' && !ws) throw new Error(`floor: no way ${hops}`);
  fs.writeFileSync(path.join(ext, 'worker.js'), WORKER(hops));
  const host = path.join(dir, 'floor-host');
  fs.writeFileSync(host, NATIVE);
  fs.chmodSync(host, 0o755);
  fs.writeFileSync(path.join(profile, 'NativeMessagingHosts', `${HOST}.json`), JSON.stringify({
    name: HOST, description: 'floor', path: host, type: 'stdio', allowed_origins: [`chrome-extension://${id}/`],
  }));
  const counted = /floor-host|floor-sink/;
  const sink = ws ? await startSink(dir) : null;
  let context;
  let browser;
  try {
    fs.writeFileSync(path.join(ext, 'content.js'), ws ? CONTENT_WS(`ws://127.0.0.1:${sink.port}/`, hops === 'ws-binary') : CONTENT(hops));
    let run;
    let evaluate;
    if (bare) {
      if (grant) throw new Error('floor: --grant needs playwright');
      browser = await bareBrowser(profile, [`--disable-extensions-except=${ext}`, `--load-extension=${ext}`, ...browserArgs]);
      evaluate = await browser.open(`${origin}/`);
      await evaluate(makeBlob(size));
      await evaluate(pageProtocol);
      run = () => evaluate(`window.sendChunked(window.bigdoc, 'signatureV2', '{}')`);
    } else {
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM, headless: true, timeout: 30000,
        args: [...FLAGS, `--disable-extensions-except=${ext}`, `--load-extension=${ext}`, ...browserArgs],
      });
      if (grant) await context.grantPermissions(['local-network-access'], { origin });
      const page = await context.newPage();
      const errors = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      await page.goto(`${origin}/`);
      await page.evaluate(makeBlob(size));
      await page.evaluate(pageProtocol);
      evaluate = (expression) => page.evaluate(expression);
      run = () => page.evaluate(() => window.sendChunked(window.bigdoc, 'signatureV2', '{}')).catch((e) => {
        throw new Error(`${e.message.split('\n')[0]}${errors.length ? `; the console: ${errors.join('; ')}` : ''}`);
      });
    }
    const before = processCPU(0, counted, { helpers });
    const { out, ms } = await run();
    const cpu = cpuSpent(before, processCPU(0, counted, { helpers }));
    if (!Array.isArray(out)) throw new Error('floor: the last chunk was not answered');
    if (ws) {
      cpu.sink = cpu.host || 0;
      delete cpu.host;
      if (out[0].received !== size) throw new Error(`floor: the sink had ${out[0].received} bytes of ${size}`);
      // Whether the page's own script may open the same socket (the
      // page's Content-Security-Policy applies to it).
      const pageSocket = await evaluate(`new Promise((resolve) => {
        const s = new WebSocket('ws://127.0.0.1:${sink.port}/');
        s.onopen = () => { s.close(); resolve('opened'); };
        s.onerror = () => resolve('refused');
      })`);
      return { ms, cpu, origins: sink.origins, decoder: out[0].decoder, pageSocket };
    }
    return { ms, cpu };
  } finally {
    if (context) await context.close();
    if (browser) await browser.close();
    if (sink) await sink.stop();
  }
}

const WAYS = {
  0: 'to the content script',
  1: 'to the service worker',
  2: 'to the native host',
  3: 'to the native host from a frame of the extension',
  'ws-text': 'to a WebSocket sink from the content script, base64 text',
  'ws-binary': 'to a WebSocket sink from the content script, decoded, binary',
};

// pageServer serves the bench page on a free loopback port, over TLS with
// a certificate for portal.test made in dir when tls is set, with the
// Content-Security-Policy csp when it is not empty.
async function pageServer(dir, tls, csp) {
  const handler = (req, res) => {
    const headers = { 'content-type': 'text/html; charset=utf-8' };
    if (csp) headers['content-security-policy'] = csp;
    res.writeHead(200, headers);
    res.end('<!doctype html><meta charset="utf-8"><title>floor</title><body>floor</body>');
  };
  let server;
  if (tls) {
    const key = path.join(dir, 'page.key');
    const cert = path.join(dir, 'page.crt');
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=portal.test',
      '-addext', 'subjectAltName=DNS:portal.test', '-keyout', key, '-out', cert], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl req: ${r.stderr}`);
    server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, handler);
  } else {
    server = http.createServer(handler);
  }
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: {
    size: { type: 'string', default: String(100 * 1024 * 1024) },
    ways: { type: 'string', default: Object.keys(WAYS).join(',') },
    https: { type: 'boolean', default: false },
    public: { type: 'boolean', default: false },
    csp: { type: 'string', default: '' },
    grant: { type: 'boolean', default: false },
    playwright: { type: 'boolean', default: false },
    'host-permissions': { type: 'string', default: '' },
  } });
  const ways = values.ways.split(',').map((w) => (/^\d$/.test(w) ? Number(w) : w));
  for (const w of ways) if (!(w in WAYS)) throw new Error(`floor: no way ${w} (the ways: ${Object.keys(WAYS).join(', ')})`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zavera-floor-'));
  const server = await pageServer(dir, values.https, values.csp);
  const port = server.address().port;
  const origin = values.https ? `https://portal.test:${port}` : `http://127.0.0.1:${port}`;
  const browserArgs = [];
  if (values.https) browserArgs.push('--host-resolver-rules=MAP portal.test 127.0.0.1', '--ignore-certificate-errors');
  if (values.public) browserArgs.push(`--ip-address-space-overrides=127.0.0.1:${port}=public`);
  const load = () => os.loadavg().map((n) => n.toFixed(2)).join(' ');
  console.log(`page ${origin}, browser driven ${values.playwright || values.grant ? 'by playwright' : 'on the DevTools protocol alone'}${values.csp ? `, Content-Security-Policy: ${values.csp}` : ''}${values.public ? ', taken for a public address' : ''}; load average ${load()}`);
  try {
    for (const way of ways) {
      let r;
      try {
        r = await messagingFloor({ dir, origin, size: Number(values.size), hops: way, helpers: true, browserArgs,
          bare: !values.playwright && !values.grant, grant: values.grant, hostPermissions: values['host-permissions'] ? values['host-permissions'].split(',') : [] });
      } catch (e) {
        console.log(`${WAYS[way]}: failed: ${String(e.message).split('\n')[0]}`);
        continue;
      }
      const total = Object.values(r.cpu).reduce((a, b) => a + b, 0);
      const more = r.origins ? `; the sink saw Origin ${r.origins.map((o) => JSON.stringify(o)).join(', ')}${r.decoder ? `, decoded by ${r.decoder}` : ''}; the page's own WebSocket to the sink ${r.pageSocket}` : '';
      console.log(`${WAYS[way]}: ${(r.ms / 1000).toFixed(2)} s (${(Number(values.size) / 1048576 / (r.ms / 1000)).toFixed(1)} MiB/s), processor ${total.toFixed(2)} s: ${byProcess(r.cpu)}${more}`);
    }
    console.log(`load average ${load()}`);
  } finally {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
