// Unit tests of the background's side of the state services portal's
// interfaces (portal/access.js built into background.js), in a Node vm
// context with a stand-in browser API and native host: which origins the
// port "zavera-portal" serves, that an origin neither the portal's, nor in
// the managed storage, nor on the loopback never reaches the host, and
// that for a loopback origin the agent's hello decides.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

import { root } from './standin.mjs';

const BACKGROUND = path.join(root, 'build', 'extension', 'chromium', 'background.js');

function listeners() {
  const fns = [];
  return { addListener: (fn) => fns.push(fn), fire: (...a) => fns.map((fn) => fn(...a)) };
}

// loadBackground: statePortal lists the origins the stand-in agent's hello
// flags; managed is the managed storage's statePortalOrigins.
function loadBackground({ statePortal = [], managed = undefined } = {}) {
  if (!fs.existsSync(BACKGROUND)) throw new Error(`${BACKGROUND} is missing: run \`make extension\``);
  const sent = [];
  const storage = { reads: 0, onChanged: listeners() };
  const onConnect = listeners();
  const onMessage = listeners();
  const host = (f, reply) => {
    if (!f.message) return;
    const { id, method } = f.message;
    const result = method === 'hello'
      ? { protocol: 1, approved: true, ...(statePortal.includes(f.origin) ? { statePortal: true } : {}) }
      : { certificates: [] };
    reply({ session: f.session, message: { jsonrpc: '2.0', id, result } });
  };
  const chrome = {
    runtime: {
      id: 'ext', onConnect, onMessage, lastError: null,
      connectNative() {
        const m = listeners();
        return {
          disconnect() {}, onMessage: m, onDisconnect: listeners(),
          postMessage(frame) {
            const f = structuredClone(frame);
            sent.push(f);
            setImmediate(() => host(f, (out) => m.fire(structuredClone(out))));
          },
        };
      },
    },
    storage: {
      managed: { get: async () => { storage.reads++; return managed === undefined ? {} : { statePortalOrigins: managed }; } },
      onChanged: storage.onChanged,
    },
    action: { setBadgeText() {}, setTitle() {}, setBadgeBackgroundColor() {} },
  };
  const ctx = vm.createContext({ chrome, console, URL, setTimeout, clearTimeout, structuredClone });
  vm.runInContext(fs.readFileSync(BACKGROUND, 'utf8'), ctx, { filename: 'background.js' });

  function connect(origin, name = 'zavera-portal') {
    const fromBg = [];
    const portOnMessage = listeners();
    onConnect.fire({
      name, sender: { id: 'ext', origin, url: `${origin}/`, tab: { id: 1 }, frameId: 0 },
      onMessage: portOnMessage, onDisconnect: listeners(), postMessage: (m) => fromBg.push(structuredClone(m)), disconnect() {},
    });
    return (id, method, params = {}) => {
      portOnMessage.fire({ id, method, params });
      return new Promise((resolve, reject) => {
        let tries = 0;
        const poll = () => {
          const m = fromBg.find((x) => x.id === id);
          if (m) resolve(JSON.parse(JSON.stringify(m)));
          else if (++tries > 1000) reject(new Error(`no answer to ${method}`));
          else setTimeout(poll, 2);
        };
        poll();
      });
    };
  }
  const ask = (origin) => new Promise((resolve) => {
    onMessage.fire({ type: 'zavera-portal-origin' }, { id: 'ext', origin, url: `${origin}/` }, (r) => resolve(JSON.parse(JSON.stringify(r))));
  });
  // setManaged changes the policy as the browser does: the storage, then
  // its onChanged event for the managed area.
  const setManaged = (list) => {
    managed = list;
    storage.onChanged.fire({ statePortalOrigins: { newValue: list } }, 'managed');
  };
  return { sent, connect, ask, storage, setManaged };
}

describe('the background\'s side of the portal interfaces (unit, stand-in host)', () => {
  test('the portal\'s own origins are served; a method the interfaces do not use is refused before the host', async () => {
    const bg = loadBackground();
    const call = bg.connect('https://lk.gosuslugi.ru');
    assert.deepEqual((await call(1, 'certificates')).result, { certificates: [] });
    const n = bg.sent.length;
    assert.equal((await call(2, 'signHash', { hash: 'x' })).error.data.reason, 'origin_not_allowed');
    assert.equal((await call(3, 'cosign', {})).error.data.reason, 'origin_not_allowed');
    assert.equal(bg.sent.length, n, 'a refused method reached the host');
    assert.deepEqual(await bg.ask('https://esia.gosuslugi.ru'), { allowed: true });
  });

  test('another origin is refused without starting the host, unless the managed storage lists it', async () => {
    const bg = loadBackground({ managed: ['https://stand.example:8443/'] });
    for (const origin of ['https://gosuslugi.ru.evil.example', 'http://esia.gosuslugi.ru', 'https://evil.example']) {
      assert.equal((await bg.connect(origin)(1, 'certificates')).error.data.reason, 'origin_not_allowed', origin);
      assert.deepEqual(await bg.ask(origin), { allowed: false }, origin);
    }
    assert.equal(bg.sent.length, 0, 'the host was asked about an arbitrary site');
    assert.deepEqual((await bg.connect('https://stand.example:8443')(1, 'certificates')).result, { certificates: [] });
    assert.deepEqual(await bg.ask('https://stand.example:8443'), { allowed: true });
  });

  test('the managed storage is read once for a run of calls, and again once the policy changes', async () => {
    const bg = loadBackground({ managed: ['https://stand.example:8443'] });
    const call = bg.connect('https://stand.example:8443');
    for (let id = 1; id <= 20; id++) assert.deepEqual((await call(id, 'certificates')).result, { certificates: [] });
    assert.equal(bg.storage.reads, 1, 'the managed storage was read for every call');
    bg.setManaged([]);
    assert.equal((await call(21, 'certificates')).error.data.reason, 'origin_not_allowed', 'a withdrawn origin is still served');
    assert.deepEqual(await bg.ask('https://stand.example:8443'), { allowed: false });
    bg.setManaged(['https://stand.example:8443']);
    assert.deepEqual((await call(22, 'certificates')).result, { certificates: [] });
    assert.equal(bg.storage.reads, 3);
  });

  test('a loopback origin is served when the agent\'s hello says statePortal, and only then', async () => {
    const bg = loadBackground({ statePortal: ['http://127.0.0.1:8765'] });
    assert.deepEqual(await bg.ask('http://127.0.0.1:8765'), { allowed: true });
    assert.deepEqual(await bg.ask('http://127.0.0.1:9999'), { allowed: false });
    assert.deepEqual((await bg.connect('http://127.0.0.1:8765')(1, 'certificates')).result, { certificates: [] });
    assert.equal((await bg.connect('http://localhost:9999')(1, 'certificates')).error.data.reason, 'origin_not_allowed');
    assert.ok(bg.sent.every((f) => f.close || f.message.method === 'hello' || f.origin === 'http://127.0.0.1:8765'),
      'only hello went to the agent for an origin it does not list');
  });
});
