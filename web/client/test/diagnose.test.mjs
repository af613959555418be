// How the client names a connection that did not open, with the browser's
// permission API and sockets replaced by stand-ins (Node has neither
// Chrome's Local Network Access nor its prompt).

import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';

import { CLOSE_PEER_REFUSED, connect, PORT_RANGE, Reason, ZaveraError } from '@zavera/client';

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

test('wss is tried before ws, on each port of the range in order', async () => {
  setPermission('granted');
  const tried = [];
  await reasonOf(connect({ port: 12345, createWebSocket: (u) => { tried.push(u); return failing(); } })).catch(() => {});
  const want = [];
  for (let p = 12345; p < 12345 + PORT_RANGE; p++) want.push(`wss://127.0.0.1:${p}/`, `ws://127.0.0.1:${p}/`);
  assert.deepEqual(tried, want);
  assert.equal(PORT_RANGE, 8);
  tried.length = 0;
  await reasonOf(connect({ port: 12345, portRange: 1, createWebSocket: (u) => { tried.push(u); return failing(); } })).catch(() => {});
  assert.deepEqual(tried, ['wss://127.0.0.1:12345/', 'ws://127.0.0.1:12345/']);
});

// A socket that opens, then on the first message either closes with
// CLOSE_PEER_REFUSED, as another user's agent does, or answers hello.
function agentSocket(kind) {
  const s = {
    close() {},
    send(text) {
      const { id } = JSON.parse(text);
      setTimeout(() => {
        if (kind === 'other') s.onclose && s.onclose({ code: CLOSE_PEER_REFUSED });
        else s.onmessage && s.onmessage({ data: JSON.stringify({ jsonrpc: '2.0', id, result: { protocol: 1, approved: true } }) });
      }, 1);
      return true;
    },
  };
  setTimeout(() => s.onopen && s.onopen(), 1);
  return s;
}

test('an agent of another user is passed over for the next port of the range', async () => {
  setPermission('granted');
  const tried = [];
  // 27413 is another user's agent, 27414 nothing, 27415 this user's.
  const z = await connect({ createWebSocket: (u) => {
    tried.push(u);
    if (u.endsWith(':27413/')) return agentSocket('other');
    if (u.endsWith(':27415/')) return agentSocket('own');
    return failing();
  } });
  assert.equal(z.port, 27415);
  assert.deepEqual(tried, ['wss://127.0.0.1:27413/', 'wss://127.0.0.1:27414/', 'ws://127.0.0.1:27414/', 'wss://127.0.0.1:27415/']);
  z.close();
});

test('only other users\' agents in the range: other_user_agent', async () => {
  setPermission('granted');
  const e = await reasonOf(connect({ port: await freePort(), createWebSocket: () => agentSocket('other') }));
  assert.equal(e.reason, Reason.OTHER_USER_AGENT);
  assert.match(e.messages.ru, /другим пользователем/);
  assert.match(e.messages.en, /another user/);
  assert.ok(e.retryable);
});
