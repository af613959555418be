// The client against the real agent: the zavera binary built with the
// approving test prompter, the GOST test token holding the demo
// certificates, signatures checked by OpenSSL with the GOST engine.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';

import { CLOSE_PEER_REFUSED, connect, fromBase64, Reason, ZaveraError } from '@zavera/client';
import { opensslVerify, startAgent, tempDir, tokenDir } from '../../test-support/stack.mjs';

const PORTAL = 'https://portal.test';
const DEV = 'http://127.0.0.1:1';
const DEV2 = 'http://127.0.0.1:2';
const LEADER_SNILS = '00012345656';
const INNLE = '0099001233';
const OGRN = '1250000123450';

function dial(port, origin, extra = {}) {
  return connect({ port, lang: 'ru', createWebSocket: (u) => new WebSocket(u, { origin }), timeout: 5000, ...extra });
}

async function rejectsWith(promise, reason) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof ZaveraError, `not a ZaveraError: ${e && e.stack}`);
    assert.equal(e.reason, reason, `${e.reason}: ${e.message} (${e.detail})`);
    assert.ok(e.messages.ru.length > 10 && e.messages.en.length > 10);
    assert.notEqual(e.messages.ru, e.messages.en);
    return e;
  }
  assert.fail(`resolved; want ${reason}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

describe('client against the agent with the GOST test token', () => {
  let tmp;
  let tokens;
  let agent;

  before(async () => {
    tmp = tempDir();
    tokens = tokenDir(tmp.dir);
    agent = await startAgent({ tmp: tmp.dir, tokens, origins: [PORTAL], devOrigins: [DEV, DEV2] });
  });

  after(async () => {
    if (agent) await agent.stop();
    tmp.remove();
  });

  test('connects (wss is tried first, then ws) to an approved site and reads info', async () => {
    const z = await dial(agent.port, PORTAL);
    try {
      assert.equal(z.approved, true);
      assert.equal(z.protocol, 1);
      assert.match(z.url, /^ws:\/\/127\.0\.0\.1:\d+\/$/);
      const info = await z.info();
      assert.equal(info.agent, 'Zavera');
      for (const m of ['sign', 'signBatch', 'signChallenge', 'certificates']) assert.ok(info.methods.includes(m), m);
      const toks = await z.tokens();
      assert.deepEqual(toks.map((t) => t.label).sort(), ['Zavera Demo Accountant', 'Zavera Demo Leader']);
    } finally {
      z.close();
    }
  });

  test('another user\'s agent on the first port of the range is passed over for this user\'s on the next', async (t) => {
    // The agent of another user completes the upgrade and closes at once
    // with CLOSE_PEER_REFUSED; here a stand-in does so on the port below.
    const other = new WebSocketServer({ host: '127.0.0.1', port: agent.port - 1 });
    const up = await new Promise((r) => { other.on('listening', () => r(true)); other.on('error', () => r(false)); });
    if (!up) {
      t.skip(`port ${agent.port - 1} is taken`);
      return;
    }
    let refused = 0;
    other.on('connection', (ws) => { refused++; ws.close(CLOSE_PEER_REFUSED, 'this agent serves another user'); });
    try {
      const z = await dial(agent.port - 1, PORTAL);
      assert.equal(z.port, agent.port);
      assert.ok(refused >= 1, 'the first port was not tried');
      assert.equal((await z.info()).protocol, 1);
      z.close();
      const e = await rejectsWith(dial(agent.port - 1, PORTAL, { portRange: 1 }), Reason.OTHER_USER_AGENT);
      assert.match(e.messages.ru, /другим пользователем/);
    } finally {
      for (const c of other.clients) c.terminate();
      await new Promise((r) => other.close(r));
    }
  });

  test('pairs a development site: the page gets the code, then the site is approved', async () => {
    const codes = [];
    const z = await dial(agent.port, DEV, { onPairing: (c) => codes.push(c) });
    try {
      assert.equal(z.approved, true);
      assert.equal(codes.length, 1);
      assert.match(codes[0], /^\d{3}-\d{3}$/);
    } finally {
      z.close();
    }
  });

  test('a site that is not approved learns nothing; one the configuration does not list cannot connect', async () => {
    const z = await dial(agent.port, DEV2, { pair: false });
    try {
      assert.equal(z.approved, false);
      const e = await rejectsWith(z.certificates({}), Reason.ORIGIN_NOT_ALLOWED);
      assert.equal(e.code, 1002);
      await rejectsWith(z.tokens(), Reason.ORIGIN_NOT_ALLOWED);
      await rejectsWith(z.sign({ certificate: 'f0cd4bced91b8400aaa38b92c920588a', data: 'x', description: 'без разрешения' }), Reason.ORIGIN_NOT_ALLOWED);
      await rejectsWith(z.signChallenge({ certificate: 'f0cd4bced91b8400aaa38b92c920588a', nonce: new Uint8Array(16) }), Reason.ORIGIN_NOT_ALLOWED);
    } finally {
      z.close();
    }
    // Neither https nor listed: the agent refuses the websocket, and the
    // client tells that the agent runs but refused the site.
    const e = await rejectsWith(dial(agent.port, 'http://evil.example'), Reason.CONNECTION_REFUSED);
    assert.match(e.messages.ru, /https/);
  });

  test('certificates: filters by organisation and person; a malformed filter is a bad request', async () => {
    const z = await dial(agent.port, PORTAL);
    try {
      const both = await z.certificates({ innle: INNLE, ogrn: OGRN, validNow: true });
      assert.equal(both.length, 2);
      const leader = await z.certificates({ innle: INNLE, snils: LEADER_SNILS });
      assert.equal(leader.length, 1);
      assert.equal(leader[0].subject.title, 'Генеральный директор');
      assert.equal(leader[0].keyAlgorithm, 'GOST R 34.10-2012 256');
      assert.deepEqual(await z.certificates({ innle: '7707083893' }), []);
      const e = await rejectsWith(z.certificates({ innle: '7707083894' }), Reason.BAD_REQUEST);
      assert.equal(e.code, -32602);
      assert.match(e.messages.ru, /поддержку портала/);
    } finally {
      z.close();
    }
  });

  test('sign: a CAdES-BES signature that OpenSSL verifies against the demo CA, and not over other bytes', async () => {
    const z = await dial(agent.port, PORTAL);
    try {
      const [c] = await z.certificates({ snils: LEADER_SNILS });
      const doc = new TextEncoder().encode('Заявление о регистрации\n');
      const s = await z.sign({ certificate: c.id, data: doc, description: 'Заявление', files: [{ name: 'заявление.txt', size: doc.length }] });
      assert.equal(fromBase64(s.digest).length, 32);
      await opensslVerify(tmp.dir, s.signature, doc, tokens.caFile);
      await assert.rejects(opensslVerify(tmp.dir, s.signature, new TextEncoder().encode('Заявление о регистрации!\n'), tokens.caFile));
      // A Blob and a string are documents too.
      const sb = await z.sign({ certificate: c.id, data: new Blob([doc]), description: 'Blob' });
      await opensslVerify(tmp.dir, sb.signature, doc, tokens.caFile);
      const ss = await z.sign({ certificate: c.id, data: 'Заявление о регистрации\n', description: 'Text' });
      await opensslVerify(tmp.dir, ss.signature, doc, tokens.caFile);
    } finally {
      z.close();
    }
  });

  test('signBatch: progress for every document and one signature each', async () => {
    const z = await dial(agent.port, PORTAL);
    try {
      const [c] = await z.certificates({ innle: INNLE, ogrn: OGRN, snils: '00065432191' });
      const docs = ['НДС.xml', 'РСВ.xml', '6-НДФЛ.xml'].map((name, i) => ({ name, data: new TextEncoder().encode(`<report n="${i}"/>`) }));
      const progress = [];
      const res = await z.signBatch({ certificate: c.id, description: 'Отчётность', documents: docs }, { onProgress: (p) => progress.push(p) });
      assert.deepEqual(progress.map((p) => [p.index, p.total, p.signed]), [[0, 3, true], [1, 3, true], [2, 3, true]]);
      assert.equal(res.length, 3);
      for (const r of res) {
        assert.equal(r.error, undefined);
        await opensslVerify(tmp.dir, r.signature, docs[r.index].data, tokens.caFile);
      }
    } finally {
      z.close();
    }
  });

  test('signBatch: cancelling keeps what was signed and fails the rest as cancelled', async () => {
    const z = await dial(agent.port, PORTAL);
    tokens.control('sign_delay_ms = 300');
    try {
      const [c] = await z.certificates({ snils: LEADER_SNILS });
      const docs = Array.from({ length: 8 }, (_, i) => ({ name: `f${i}.txt`, data: `document ${i}` }));
      const ctl = new AbortController();
      const res = await z.signBatch({ certificate: c.id, description: 'Отменяемый пакет', documents: docs }, {
        signal: ctl.signal,
        onProgress: (p) => { if (p.index === 0) ctl.abort(); },
      });
      const signed = res.filter((r) => !r.error);
      const failed = res.filter((r) => r.error);
      assert.ok(signed.length >= 1 && signed.length < docs.length, `signed ${signed.length}`);
      assert.equal(signed.length + failed.length, docs.length);
      for (const r of failed) {
        assert.ok(r.error instanceof ZaveraError);
        assert.equal(r.error.reason, Reason.CANCELLED);
      }
      await opensslVerify(tmp.dir, signed[0].signature, new TextEncoder().encode(docs[signed[0].index].data), tokens.caFile);
    } finally {
      tokens.control('sign_delay_ms = 0');
      z.close();
    }
  });

  test('signChallenge: the signed bytes name the origin and the nonce', async () => {
    const z = await dial(agent.port, PORTAL);
    try {
      const [c] = await z.certificates({ snils: LEADER_SNILS });
      const nonce = new Uint8Array(32).map((_, i) => i * 7);
      const r = await z.signChallenge({ certificate: c.id, nonce, description: 'Вход' });
      const want = `zavera-login-v1\norigin=${PORTAL}\nnonce=${Buffer.from(nonce).toString('base64url')}\n`;
      assert.equal(new TextDecoder().decode(fromBase64(r.content)), want);
      await opensslVerify(tmp.dir, r.signature, want, tokens.caFile);
      await rejectsWith(z.signChallenge({ certificate: c.id, nonce: new Uint8Array(4) }), Reason.BAD_REQUEST);
    } finally {
      z.close();
    }
  });

  test('token events: removal and reinsertion reach the page; signing without the token says to insert it', async () => {
    const z = await dial(agent.port, PORTAL);
    try {
      const [c] = await z.certificates({ snils: LEADER_SNILS });
      const events = [];
      let wake;
      const off = await z.onTokenEvent((e) => { events.push(e); if (wake) wake(); });
      const waitEvent = (kind) => new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no ${kind} event: ${JSON.stringify(events)}`)), 15000);
        wake = () => { if (events.some((e) => e.kind === kind)) { clearTimeout(t); resolve(); } };
        wake();
      });
      tokens.control('leader.present = 0');
      await waitEvent('tokenRemoved');
      const e = await rejectsWith(z.sign({ certificate: c.id, data: 'x', description: 'без токена' }), c.id ? Reason.CERTIFICATE_NOT_FOUND : '');
      assert.match(e.message, /токен/i);
      tokens.control('leader.present = 1');
      await waitEvent('tokenInserted');
      await off();
    } finally {
      tokens.control('leader.present = 1');
      z.close();
    }
  });
});

describe('client with an agent that serves wss', () => {
  test('wss is used when its certificate is trusted, ws when it is not', async () => {
    const tmp = tempDir();
    const tokens = tokenDir(tmp.dir);
    const agent = await startAgent({ tmp: tmp.dir, tokens, origins: [PORTAL], extraArgs: ['--tls'] });
    try {
      const ca = fs.readFileSync(path.join(agent.stateDir, 'tls', 'ca.pem'));
      const trusted = await dial(agent.port, PORTAL, { createWebSocket: (u) => new WebSocket(u, { origin: PORTAL, ca }) });
      try {
        assert.match(trusted.url, /^wss:\/\/127\.0\.0\.1:/);
        assert.equal((await trusted.tokens()).length, 2);
      } finally {
        trusted.close();
      }
      const untrusted = await dial(agent.port, PORTAL);
      try {
        assert.match(untrusted.url, /^ws:\/\/127\.0\.0\.1:/);
      } finally {
        untrusted.close();
      }
    } finally {
      await agent.stop();
      tmp.remove();
    }
  });
});

describe('client errors a person can act on', () => {
  test('messages name the tries left and the port when known', () => {
    const e = new ZaveraError(Reason.PIN_INCORRECT, { code: 1003, data: { reason: 'pin_incorrect', triesLeft: 2 }, lang: 'ru' });
    assert.equal(e.triesLeft, 2);
    assert.match(e.message, /Осталось попыток: 2\./);
    assert.match(e.messages.en, /Tries left: 2\./);
    assert.equal(e.retryable, true);
    const n = new ZaveraError(Reason.NOT_ZAVERA, { data: { port: 27413 }, lang: 'en' });
    assert.match(n.message, /port 27413/);
    assert.equal(n.retryable, false);
  });

  test('no agent on the port: agent_not_running, in Russian and English', async () => {
    const port = await freePort();
    const e = await rejectsWith(dial(port, PORTAL), Reason.AGENT_NOT_RUNNING);
    assert.match(e.messages.ru, /Zavera не отвечает/);
    assert.match(e.messages.en, /does not answer/);
    const en = await connect({ port, lang: 'en', createWebSocket: (u) => new WebSocket(u, { origin: PORTAL }) }).catch((x) => x);
    assert.equal(en.message, e.messages.en);
  });

  test('an agent that speaks no common protocol version: agent_outdated', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    wss.on('connection', (ws) => ws.on('message', (m) => {
      const req = JSON.parse(m);
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: req.id, error: { code: -32602, message: 'no common protocol version', data: { reason: 'bad_request' } } }));
    }));
    await new Promise((r) => wss.on('listening', r));
    try {
      await rejectsWith(dial(wss.address().port, PORTAL), Reason.AGENT_OUTDATED);
    } finally {
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
    }
  });

  test('something else on the port that never answers the handshake: not_zavera', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.on('listening', r));
    try {
      const e = await rejectsWith(dial(wss.address().port, PORTAL, { timeout: 500 }), Reason.NOT_ZAVERA);
      assert.match(e.messages.ru, new RegExp(String(wss.address().port)));
    } finally {
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
    }
  });

  test('a wrong PIN: pin_incorrect', async () => {
    const tmp = tempDir();
    const tokens = tokenDir(tmp.dir);
    const agent = await startAgent({ tmp: tmp.dir, tokens, origins: [PORTAL], pin: '00000000' });
    try {
      const z = await dial(agent.port, PORTAL);
      try {
        const [c] = await z.certificates({ snils: LEADER_SNILS });
        const e = await rejectsWith(z.sign({ certificate: c.id, data: 'x', description: 'неверный PIN' }), Reason.PIN_INCORRECT);
        assert.equal(e.code, 1003);
        assert.match(e.messages.ru, /Неверный PIN-код/);
      } finally {
        z.close();
      }
    } finally {
      await agent.stop();
      tmp.remove();
    }
  });

  test('the agent going away fails requests in flight with connection_lost', async () => {
    const tmp = tempDir();
    const tokens = tokenDir(tmp.dir);
    const agent = await startAgent({ tmp: tmp.dir, tokens, origins: [PORTAL] });
    try {
      const z = await dial(agent.port, PORTAL);
      const [c] = await z.certificates({ snils: LEADER_SNILS });
      tokens.control('sign_delay_ms = 3000');
      const closed = new Promise((r) => z.onClose(r));
      const pending = rejectsWith(z.sign({ certificate: c.id, data: 'x', description: 'прерванная подпись' }), Reason.CONNECTION_LOST);
      await agent.stop();
      await pending;
      assert.equal((await closed).reason, Reason.CONNECTION_LOST);
    } finally {
      await agent.stop();
      tmp.remove();
    }
  });
});
