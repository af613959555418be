// Unit-test support: the page API's content script (as built into
// build/extension/chromium/cadesplugin.js) loaded into a Node vm context
// that plays a browser window, and the real isolated-world bridge
// (bridge.js) in a second context that shares the window, as the browser's
// isolated world does; in place of the extension's background, a
// stand-in port answers from a stand-in agent. For unit tests of the object
// model and the bridge only: the browser tests drive the real extension,
// host and agent.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const built = path.join(root, 'build', 'extension', 'chromium', 'cadesplugin.js');
const bridgeFile = path.join(root, 'build', 'extension', 'chromium', 'bridge.js');

function need(file, how) {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: ${how}`);
  return file;
}

/** The demo certificate of `name` (build/demo-tokens), as DER. */
export function demoCertificate(name) {
  const pem = fs.readFileSync(need(path.join(root, 'build', 'demo-tokens', `${name}.crt`), 'run `make demo-tokens`'), 'utf8');
  return Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
}

/**
 * A window with the page API loaded. agent(method, params) answers each
 * call (return a result, or throw {code, message, data}); calls lists
 * every call the page made through the bridge. The window's events are
 * dispatched synchronously, as a browser's DOM does. bridgeFirst loads the
 * bridge before the page API (browsers do not promise an order).
 */
export function pageWithAPI(agent, { bridgeFirst = false } = {}) {
  need(built, 'run `make extension`');
  const calls = [];
  const events = new EventTarget();
  const win = {
    console, crypto: crypto.webcrypto, btoa, atob, TextDecoder, TextEncoder, setTimeout, clearTimeout, queueMicrotask,
    CustomEvent,
    addEventListener: (type, fn, capture) => events.addEventListener(type, fn, capture),
    removeEventListener: (type, fn, capture) => events.removeEventListener(type, fn, capture),
    dispatchEvent: (ev) => events.dispatchEvent(ev),
  };
  win.location = { origin: 'https://portal.example' };
  // The background's side of the bridge's port: each message is one agent
  // call, answered by agent().
  const runtime = {
    connect() {
      const onMessage = [];
      return {
        onMessage: { addListener: (fn) => onMessage.push(fn) },
        onDisconnect: { addListener() {} },
        postMessage(m) {
          const msg = structuredClone(m);
          calls.push({ method: msg.method, params: msg.params });
          Promise.resolve().then(() => agent(msg.method, msg.params)).then(
            (result) => onMessage.forEach((fn) => fn({ id: msg.id, result })),
            (error) => onMessage.forEach((fn) => fn({ id: msg.id, error })),
          );
        },
      };
    },
  };
  vm.createContext(win);
  const self = vm.runInContext('globalThis.window = globalThis', win);
  const isolated = vm.createContext({ window: self, chrome: { runtime }, console });
  const loadPage = () => vm.runInContext(fs.readFileSync(built, 'utf8'), win, { filename: 'cadesplugin.js' });
  const loadBridge = () => vm.runInContext(fs.readFileSync(bridgeFile, 'utf8'), isolated, { filename: 'bridge.js' });
  if (bridgeFirst) {
    loadBridge();
    loadPage();
  } else {
    loadPage();
    loadBridge();
  }
  return {
    win: self,
    calls,
    run: (code) => vm.runInContext(code, win),
    load(file) { vm.runInContext(fs.readFileSync(file, 'utf8'), win, { filename: path.basename(file) }); },
    // dispatch fires an event on the window as a script of the page could.
    dispatch(type, detail) { events.dispatchEvent(new CustomEvent(type, { detail })); },
    // listen records the detail of every event of this type on the window.
    listen(type) {
      const seen = [];
      events.addEventListener(type, (ev) => seen.push(ev.detail));
      return seen;
    },
  };
}

export function sha1Hex(buf) {
  return crypto.createHash('sha1').update(buf).digest('hex').toUpperCase();
}
