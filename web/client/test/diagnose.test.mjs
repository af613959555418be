// How the client names a connection that did not open, with the browser's
// permission API and sockets replaced by stand-ins (Node has neither
// Chrome's Local Network Access nor its prompt).

import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';

import { connect, Reason, ZaveraError } from '@zavera/client';

const hadNavigator = Object.getOwnPropertyDescriptor(globalThis, 'navigator');

function setPermission(state) {
  Object.defineProperty(globalThis, 'navigator', {
    configurable: true,
    value: { language: 'ru-RU', permissions: { query: async ({ name }) => {
      if (name !== 'local-network-access') throw new TypeError('unknown permission');
      return { state };
    } } },
  });
}

afterEach(() => {
  if (hadNavigator) Object.defineProperty(globalThis, 'navigator', hadNavigator);
  else delete globalThis.navigator;
});

// A socket that never opens, or that fails at once, as a blocked one does.
const hanging = () => ({ close() {} });
const failing = () => {
  const s = { close() {} };
  setTimeout(() => s.onclose && s.onclose({ code: 1006 }), 1);
  return s;
};

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function reasonOf(p) {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ZaveraError);
    return e;
  }
  assert.fail('connected');
}

test('blocked with the permission denied: local_network_access_denied', async () => {
  setPermission('denied');
  const e = await reasonOf(connect({ port: await freePort(), createWebSocket: failing }));
  assert.equal(e.reason, Reason.LOCAL_NETWORK_ACCESS_DENIED);
  assert.match(e.message, /Доступ к локальной сети/);
});

test('held open while the permission prompt waits: local_network_access_prompt', async () => {
  setPermission('prompt');
  const e = await reasonOf(connect({ createWebSocket: hanging, timeout: 50 }));
  assert.equal(e.reason, Reason.LOCAL_NETWORK_ACCESS_PROMPT);
  assert.match(e.messages.en, /Allow "Local network access"/);
});

test('held open with the permission granted: timeout', async () => {
  setPermission('granted');
  const e = await reasonOf(connect({ createWebSocket: hanging, timeout: 50 }));
  assert.equal(e.reason, Reason.TIMEOUT);
});

test('failed with the permission granted and nothing listening: agent_not_running', async () => {
  setPermission('granted');
  const e = await reasonOf(connect({ port: await freePort(), createWebSocket: failing }));
  assert.equal(e.reason, Reason.AGENT_NOT_RUNNING);
});

test('failed while an HTTP server answers on the port: connection_refused', async () => {
  setPermission('granted');
  const socks = new Set();
  const srv = net.createServer((c) => {
    socks.add(c);
    c.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  try {
    const e = await reasonOf(connect({ port: srv.address().port, createWebSocket: failing }));
    assert.equal(e.reason, Reason.CONNECTION_REFUSED);
  } finally {
    for (const c of socks) c.destroy();
    await new Promise((r) => srv.close(r));
  }
});

test('wss is tried before ws, on the given port', async () => {
  setPermission('granted');
  const tried = [];
  await reasonOf(connect({ port: 12345, createWebSocket: (u) => { tried.push(u); return failing(); } })).catch(() => {});
  assert.deepEqual(tried, ['wss://127.0.0.1:12345/', 'ws://127.0.0.1:12345/']);
});
