// Unit tests of the extension's background (background.js as built) in a
// Node vm context with a stand-in for the browser's extension API and for
// the native host: the frames it sends, where the origin comes from, the
// handshake and pairing, messages in parts, and sessions the host ends.
// The browser test (extension.test.mjs) runs it with the real host.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

import { root } from './standin.mjs';

const BACKGROUND = path.join(root, 'build', 'extension', 'chromium', 'background.js');

function listeners() {
  const fns = [];
  return { addListener: (fn) => fns.push(fn), fire: (...a) => fns.map((fn) => fn(...a)), fns };
}

// loadBackground gives the background with a stand-in host: host(frame,
// reply) sees each frame the background sends and may answer with reply().
function loadBackground(host) {
  const sent = [];
  const badges = [];
  const notes = new Map();
  const onConnect = listeners();
  const onMessage = listeners();
  const natives = [];
  const idleTimers = [];
  // Long timers (the host's idle close) are kept to be fired by the test.
  const timer = (fn, ms) => (ms >= 10000 ? idleTimers.push(fn) : setTimeout(fn, ms));
  const chrome = {
    runtime: {
      id: 'ext',
      onConnect, onMessage, lastError: null,
      connectNative(name) {
        assert.equal(name, 'ru.zavera.host');
        const m = listeners();
        const port = {
          disconnected: false,
          disconnect() { port.disconnected = true; },
          onMessage: m, onDisconnect: listeners(),
          postMessage(frame) {
            const f = structuredClone(frame);
            sent.push(f);
            setImmediate(() => host(f, (out) => m.fire(structuredClone(out))));
          },
        };
        natives.push(port);
        return port;
      },
    },
    action: {
      setBadgeText: (o) => badges.push(o.text), setTitle() {}, setBadgeBackgroundColor() {},
    },
    notifications: { create: (id, o) => notes.set(id, o), clear: (id) => notes.delete(id) },
  };
  const ctx = vm.createContext({ chrome, console, URL, setTimeout: timer, clearTimeout, structuredClone });
  vm.runInContext(fs.readFileSync(BACKGROUND, 'utf8'), ctx, { filename: 'background.js' });

  // connectPage opens a bridge port as the browser would for a frame.
  function connectPage(sender) {
    const fromBg = [];
    const portOnMessage = listeners();
    const portOnDisconnect = listeners();
    const port = {
      name: 'zavera-page', sender,
      onMessage: portOnMessage, onDisconnect: portOnDisconnect,
      postMessage: (m) => fromBg.push(structuredClone(m)),
      disconnect() {},
    };
    onConnect.fire(port);
    return {
      call(id, method, params) {
        portOnMessage.fire({ id, method, params });
        return new Promise((resolve, reject) => {
          let tries = 0;
          const poll = () => {
            const m = fromBg.find((x) => x.id === id);
            if (m) resolve(m);
            else if (++tries > 1000) reject(new Error(`no answer to call ${id}`));
            else setTimeout(poll, 2);
          };
          poll();
        });
      },
      close: () => portOnDisconnect.fire(),
    };
  }
  const popup = () => new Promise((resolve) => onMessage.fire({ type: 'pairings' }, { id: 'ext' }, (r) => resolve(JSON.parse(JSON.stringify(r)))));
  return { sent, badges, notes, connectPage, popup, natives, fireIdle: () => idleTimers.splice(0).forEach((fn) => fn()) };
}

const TAB = { id: 7 };

describe('extension background (unit, stand-in host)', () => {
  test('the origin sent to the host is the browser\'s sender origin, never the page\'s params', async () => {
    const bg = loadBackground((f, reply) => {
      if (!f.message) return;
      const { id, method } = f.message;
      reply({ session: f.session, message: { jsonrpc: '2.0', id, result: method === 'hello' ? { protocol: 1, approved: true } : { certificates: [] } } });
    });
    const page = bg.connectPage({ id: 'ext', origin: 'https://portal.example', url: 'https://portal.example/a', tab: TAB, frameId: 3 });
    const r = await page.call(1, 'certificates', { origin: 'https://bank.example' });
    assert.deepEqual(r.result, { certificates: [] });
    assert.deepEqual(bg.sent.map((f) => [f.origin, f.message.method]), [['https://portal.example', 'hello'], ['https://portal.example', 'certificates']]);
    assert.match(bg.sent[0].session, /^7:3:\d+$/);
    assert.equal(bg.sent[0].session, bg.sent[1].session);
    // A frame without sender.origin (older browsers) is named by its URL's origin.
    const old = bg.connectPage({ id: 'ext', url: 'https://old.example:8443/x?y', tab: TAB, frameId: 4 });
    await old.call(1, 'certificates', {});
    assert.equal(bg.sent.at(-1).origin, 'https://old.example:8443');
    // A frame that is not http(s) gets no session at all.
    const n = bg.sent.length;
    const opaque = bg.connectPage({ id: 'ext', origin: 'null', url: 'about:blank', tab: TAB, frameId: 5 });
    const refused = await opaque.call(1, 'certificates', {});
    assert.equal(refused.error.data.reason, 'origin_not_allowed');
    assert.equal(bg.sent.length, n);
    // The page going away closes its session at the host; once no session
    // is left, the idle timer closes the host's port.
    page.close();
    assert.deepEqual(bg.sent.at(-1), { session: bg.sent[0].session, close: true });
    old.close();
    assert.equal(bg.natives.length, 1);
    assert.equal(bg.natives[0].disconnected, false);
    bg.fireIdle();
    assert.equal(bg.natives[0].disconnected, true);
  });

  test('an origin not yet approved is paired, its code shown in the extension\'s popup, badge and notification, then the call goes on', async () => {
    let release;
    const approved = new Promise((r) => { release = r; });
    let pairedSeen = null;
    const bg = loadBackground((f, reply) => {
      if (!f.message) return;
      const { id, method } = f.message;
      const answer = (result) => reply({ session: f.session, message: { jsonrpc: '2.0', id, result } });
      if (method === 'hello') answer({ protocol: 1, approved: false });
      else if (method === 'pair') {
        reply({ session: f.session, message: { jsonrpc: '2.0', method: 'pairing', params: { request: id, code: '482-915' } } });
        approved.then(() => answer({ approved: true }));
      } else answer({ certificates: [{ id: 'c1' }] });
    });
    const page = bg.connectPage({ id: 'ext', origin: 'https://portal.example', tab: TAB, frameId: 0 });
    const call = page.call(1, 'certificates', {});
    for (let i = 0; i < 100 && !(await bg.popup()).pairings.length; i++) await new Promise((r) => setTimeout(r, 2));
    pairedSeen = (await bg.popup()).pairings;
    assert.deepEqual(pairedSeen, [{ origin: 'https://portal.example', code: '482-915' }]);
    assert.ok(bg.badges.includes('!'));
    const note = [...bg.notes.values()][0];
    assert.match(note.message, /482-915/);
    assert.match(note.message, /https:\/\/portal\.example/);
    const r = await (release(), call);
    assert.deepEqual(r.result, { certificates: [{ id: 'c1' }] });
    assert.deepEqual((await bg.popup()).pairings, []);
    assert.equal(bg.notes.size, 0);
    assert.deepEqual(bg.sent.map((f) => f.message && f.message.method), ['hello', 'pair', 'certificates']);
  });

  test('a long answer in parts is joined, and a session the agent ends fails its calls with the agent\'s reason', async () => {
    const bg = loadBackground((f, reply) => {
      if (!f.message) return;
      const { id, method } = f.message;
      if (method === 'hello') {
        reply({ session: f.session, message: { jsonrpc: '2.0', id, result: { protocol: 1, approved: true } } });
      } else if (method === 'certificates') {
        const text = JSON.stringify({ jsonrpc: '2.0', id, result: { certificates: [{ id: 'x'.repeat(3000) }] } });
        const chunks = [text.slice(0, 1000), text.slice(1000, 2000), text.slice(2000)];
        // Out of order on purpose: the part numbers order them.
        for (const i of [1, 0, 2]) reply({ session: f.session, part: i, parts: 3, data: chunks[i] });
      } else {
        reply({ session: f.session, closed: 1008, reason: 'origin not allowed' });
      }
    });
    const page = bg.connectPage({ id: 'ext', origin: 'https://portal.example', tab: TAB, frameId: 0 });
    const r = await page.call(1, 'certificates', {});
    assert.equal(r.result.certificates[0].id.length, 3000);
    const e = await page.call(2, 'sign', {});
    assert.equal(e.error.data.reason, 'origin_not_allowed');
    // The next call opens a new session.
    const before = bg.sent.at(-1).session;
    await page.call(3, 'certificates', {});
    assert.notEqual(bg.sent.at(-1).session, before);
  });
});
