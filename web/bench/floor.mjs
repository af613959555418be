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
// MessageChannel, with a native port of its own, no service worker). Run
// alone, this file measures all four:
//
//   node bench/floor.mjs [--size BYTES]

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
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
 * it from a frame of the extension instead of the service worker.
 */
export async function messagingFloor({ dir, origin, size, hops = 2 }) {
  const ext = path.join(dir, `floor-extension-${hops}`);
  const profile = path.join(dir, `floor-profile-${hops}`);
  fs.mkdirSync(ext, { recursive: true });
  fs.mkdirSync(path.join(profile, 'NativeMessagingHosts'), { recursive: true });
  const { key, id } = extensionKey();
  fs.writeFileSync(path.join(ext, 'manifest.json'), JSON.stringify({
    manifest_version: 3, name: 'messaging floor', version: '1.0', key,
    permissions: ['nativeMessaging'], background: { service_worker: 'worker.js' },
    content_scripts: [{ matches: [`${origin}/*`], js: ['content.js'], run_at: 'document_start' }],
    web_accessible_resources: [{ resources: ['relay.html'], matches: [`${origin}/*`] }],
  }));
  fs.writeFileSync(path.join(ext, 'relay.html'), '<!doctype html><script src="relay.js"></script>');
  fs.writeFileSync(path.join(ext, 'relay.js'), RELAY);
  fs.writeFileSync(path.join(ext, 'content.js'), CONTENT(hops));
  fs.writeFileSync(path.join(ext, 'worker.js'), WORKER(hops));
  const host = path.join(dir, 'floor-host');
  fs.writeFileSync(host, NATIVE);
  fs.chmodSync(host, 0o755);
  fs.writeFileSync(path.join(profile, 'NativeMessagingHosts', `${HOST}.json`), JSON.stringify({
    name: HOST, description: 'floor', path: host, type: 'stdio', allowed_origins: [`chrome-extension://${id}/`],
  }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, timeout: 30000,
    args: [...FLAGS, `--disable-extensions-except=${ext}`, `--load-extension=${ext}`],
  });
  try {
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    await page.evaluate(makeBlob(size));
    await page.evaluate(pageProtocol);
    const before = processCPU(0, /floor-host/);
    const { out, ms } = await page.evaluate(() => window.sendChunked(window.bigdoc, 'signatureV2', '{}'));
    const cpu = cpuSpent(before, processCPU(0, /floor-host/));
    if (!Array.isArray(out)) throw new Error('floor: the last chunk was not answered');
    return { ms, cpu };
  } finally {
    await context.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { size: { type: 'string', default: String(100 * 1024 * 1024) } } });
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><meta charset="utf-8"><title>floor</title><body>floor</body>');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zavera-floor-'));
  try {
    for (const hops of [0, 1, 2, 3]) {
      const { ms, cpu } = await messagingFloor({ dir, origin: `http://127.0.0.1:${server.address().port}`, size: Number(values.size), hops });
      const total = Object.values(cpu).reduce((a, b) => a + b, 0);
      console.log(`${['to the content script', 'to the service worker', 'to the native host', 'to the native host from a frame of the extension'][hops]}: ${(ms / 1000).toFixed(1)} s, processor ${total.toFixed(2)} s: ${byProcess(cpu)}`);
    }
  } finally {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
