// Unit-test support for the state services portal's interfaces: the built
// content scripts (build/extension/chromium/ifc.js and gosuslugi.js) in a
// Node vm context that plays the page's window and document, with a
// stand-in background and a stand-in agent that keeps uploads as the real
// one does (offsets checked, documents forgotten on documentCancel). For
// message-level unit tests only: the browser test drives the real
// extension, host and agent.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

import { demoCertificate, root } from './standin.mjs';

const dir = path.join(root, 'build', 'extension', 'chromium');

function need(file) {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`make extension\``);
  return file;
}

// A document just rich enough for the content scripts: elements by id,
// meta tags by property.
function fakeDocument() {
  const all = [];
  const element = (tag) => {
    const attrs = {};
    return {
      tagName: tag.toUpperCase(), style: {}, children: [], attrs,
      set id(v) { attrs.id = v; }, get id() { return attrs.id; },
      setAttribute(k, v) { attrs[k] = String(v); }, getAttribute(k) { return attrs[k] ?? null; },
      appendChild(c) { this.children.push(c); all.push(c); return c; },
    };
  };
  const doc = {
    documentElement: element('html'), head: element('head'), body: element('body'),
    createElement: element,
    getElementById: (id) => all.find((e) => e.attrs.id === id) || null,
    querySelector(sel) {
      const m = /^meta\[property="([^"]+)"\]$/.exec(sel);
      return m ? all.find((e) => e.tagName === 'META' && e.attrs.property === m[1]) || null : null;
    },
    querySelectorAll(sel) {
      return sel === 'meta' ? all.filter((e) => e.tagName === 'META') : [];
    },
    addEventListener() {},
    all,
  };
  return doc;
}

/**
 * The stand-in agent: certificates of the demo tokens, uploads kept as
 * running SHA-256 states (a stand-in digest) with the agent's offset
 * rules, sign/signBatch returning a recognisable signature over what was
 * uploaded. state.open lists the documents not cancelled; calls lists
 * every call.
 */
export function standinAgent(overrides = {}) {
  const leader = demoCertificate('leader');
  const accountant = demoCertificate('accountant');
  const docs = new Map();
  const hashes = new Map();
  let n = 0;
  const calls = [];
  const state = { docs, hashes, calls };
  const fail = (code, reason, upload) => { throw { code, message: reason, data: upload ? { reason, upload } : { reason } }; };
  const agent = (method, params) => {
    calls.push({ method, params });
    if (overrides[method]) return overrides[method](params, state);
    switch (method) {
      case 'tokens':
        return { tokens: [{ id: 'tok1', label: 'Zavera Demo Leader', manufacturer: 'Zavera', model: 'GOST test token', serial: '0001' }] };
      case 'certificates':
        return { certificates: [
          { id: 'id-leader', token: 'tok1', certificate: leader.toString('base64'), subject: { commonName: 'leader' } },
          { id: 'id-accountant', token: 'tok2', certificate: accountant.toString('base64'), subject: { commonName: 'accountant' } },
        ] };
      case 'sign': {
        if (params.document) {
          const d = docs.get(params.document);
          if (!d) fail(1007, 'bad_request', 'unknown_document');
          if (d.received !== d.size) fail(1007, 'bad_request', 'incomplete');
          const sig = Buffer.from(`sig:${params.certificate}:${d.hash.copy().digest('hex')}`).toString('base64');
          return params.attached ? { prefix: Buffer.from('P[').toString('base64'), suffix: Buffer.from(']S').toString('base64'), digest: '' } : { signature: sig, digest: '' };
        }
        const what = params.data ? crypto.createHash('sha256').update(Buffer.from(params.data, 'base64')).digest('hex') : `hash:${params.hash}`;
        return { signature: Buffer.from(`sig:${params.certificate}:${what}:${params.attached ? 'attached' : 'detached'}`).toString('base64'), digest: '' };
      }
      case 'signBatch':
        return { results: params.documents.map((doc, index) => {
          const d = docs.get(doc.document);
          if (!d || d.received !== d.size) fail(1007, 'bad_request', 'incomplete');
          return doc.attached
            ? { index, prefix: Buffer.from('P[').toString('base64'), suffix: Buffer.from(']S').toString('base64') }
            : { index, signature: Buffer.from(`sig:${params.certificate}:${d.hash.copy().digest('hex')}`).toString('base64') };
        }) };
      case 'documentOpen': {
        const id = `d${++n}`;
        docs.set(id, { size: params.size, received: 0, hash: crypto.createHash('sha256'), name: params.name });
        return { document: id, digest: 'Streebog-256', chunkSize: 1048576 };
      }
      case 'documentChunk': {
        const d = docs.get(params.document);
        if (!d) fail(1007, 'bad_request', 'unknown_document');
        if (params.offset > d.received) fail(1007, 'bad_request', 'out_of_order');
        if (params.offset < d.received) fail(1007, 'bad_request', 'duplicate');
        // Strict, as the agent's decoder: whole groups, padding only at the end.
        if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(params.data)) fail(-32602, 'bad_request');
        const bytes = Buffer.from(params.data, 'base64');
        if (bytes.length > 1048576) fail(1008, 'too_large', 'chunk_too_large');
        if (d.received + bytes.length > d.size) fail(1007, 'bad_request', 'size_mismatch');
        d.hash.update(bytes);
        d.received += bytes.length;
        const complete = d.received === d.size;
        return complete ? { received: d.received, complete, digest: d.hash.copy().digest('base64') } : { received: d.received, complete };
      }
      case 'documentCancel':
        return { cancelled: docs.delete(params.document) };
      case 'hashStart': {
        const h = `h${++n}`;
        hashes.set(h, crypto.createHash('sha256'));
        return { handle: h };
      }
      case 'hashUpdate':
        hashes.get(params.handle).update(Buffer.from(params.data, 'base64'));
        return { length: 0 };
      case 'hashFinish': {
        const h = hashes.get(params.handle);
        hashes.delete(params.handle);
        return { algorithm: 'Streebog-256', hash: h.digest('base64') };
      }
      case 'verify':
        return { valid: false, signers: [{ signatureValid: !params.signature.startsWith('BAD'), certificateValid: true, chain: 'unchecked' }] };
      default:
        throw { code: -32601, message: 'unknown method', data: { reason: 'bad_request' } };
    }
  };
  return { agent, state };
}

/**
 * A page of origin with both content scripts loaded. backgroundAllows
 * answers the content scripts' question for a non-portal origin; decoded,
 * when given, receives every text the scripts decode with atob. posted
 * collects what the scripts posted to the window; send(data) posts as the
 * page does; sendFrom(data, source) as another window.
 */
export function portalPage(origin, agent, { backgroundAllows = false, decoded = null } = {}) {
  const listeners = [];
  const posted = [];
  const waiters = [];
  const document = fakeDocument();
  const win = {
    console, btoa, TextDecoder,
    atob: (text) => {
      if (decoded) decoded.push(text);
      return atob(text);
    }, TextEncoder, URL, Blob, setTimeout, clearTimeout, queueMicrotask, structuredClone,
    addEventListener(type, fn) { if (type === 'message') listeners.push(fn); },
    location: { origin, href: `${origin}/page` },
    document,
  };
  let self = null;
  const deliver = (data, source) => setImmediate(() => {
    for (const fn of listeners.slice()) fn({ data, source });
  });
  win.postMessage = (data, targetOrigin) => {
    const copy = structuredClone(data);
    posted.push({ data: copy, targetOrigin });
    for (const w of waiters.slice()) w();
    deliver(copy, self);
  };
  const runtime = {
    sendMessage(msg, cb) { setImmediate(() => cb(msg && msg.type === 'zavera-portal-origin' ? { allowed: backgroundAllows } : undefined)); },
    connect() {
      const onMessage = [];
      return {
        onMessage: { addListener: (fn) => onMessage.push(fn) },
        onDisconnect: { addListener() {} },
        postMessage(m) {
          const msg = structuredClone(m);
          Promise.resolve().then(() => agent(msg.method, msg.params)).then(
            (result) => setImmediate(() => onMessage.forEach((fn) => fn({ id: msg.id, result }))),
            (error) => setImmediate(() => onMessage.forEach((fn) => fn({ id: msg.id, error }))),
          );
        },
      };
    },
  };
  win.chrome = { runtime };
  vm.createContext(win);
  self = vm.runInContext('globalThis.window = globalThis', win);
  for (const f of ['ifc.js', 'gosuslugi.js']) vm.runInContext(fs.readFileSync(need(path.join(dir, f)), 'utf8'), win, { filename: f });
  const page = {
    win: self, document, posted,
    send(data) { deliver(structuredClone(data), self); },
    sendFrom(data, source) { deliver(structuredClone(data), source); },
    // next resolves with the first posted message after now that match() accepts.
    next(match, ms = 5000) {
      const from = posted.length;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no answer')), ms);
        const check = () => {
          for (let i = from; i < posted.length; i++) {
            if (match(posted[i].data)) {
              clearTimeout(timer);
              waiters.splice(waiters.indexOf(check), 1);
              resolve(posted[i].data);
              return;
            }
          }
        };
        waiters.push(check);
        check();
      });
    },
    settle: () => new Promise((r) => setTimeout(r, 50)),
  };
  return page;
}
