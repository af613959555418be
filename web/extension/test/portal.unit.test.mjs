// Message-level unit tests of the state services portal's interfaces
// (IFCPlugin and gosuslugi.plugin), in Node with a stand-in background and
// agent (portal-standin.mjs), driven by the request shapes the portal's
// page libraries send (portal-requests.json): every command, malformed,
// oversized and out-of-order chunks, and an origin that is not the
// portal's. The browser test (portal.test.mjs) drives the real extension,
// host and agent.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { portalPage, standinAgent } from './portal-standin.mjs';
import { demoCertificate } from './standin.mjs';

const REQ = JSON.parse(fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'portal-requests.json'), 'utf8'));
const PORTAL = 'https://esia.gosuslugi.ru';
const LK = 'https://lk.gosuslugi.ru';
const CHUNK = 512 * 1024;

async function ifc(page, cmd) {
  const got = page.next((d) => typeof d === 'string' && d.includes('FROM_IFC_EXT'));
  page.send(JSON.stringify({ type: 'TO_IFC_EXT', msg_data: cmd }));
  return JSON.parse(await got).msg_data;
}

let seq = 0;
function envelope(type, data, extra = {}) {
  const m = structuredClone(REQ.gosuslugi.envelope);
  m.id = `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
  m.method.type = type;
  m.method.data = data;
  Object.assign(m.meta, extra.meta || {});
  if (extra.module) m.module = extra.module;
  return m;
}

// gos posts a request and resolves with the answer to it (of the given
// chunk, for chunked requests), skipping progress messages.
async function gos(page, m) {
  const got = page.next((d) => d && typeof d === 'object' && d.id === m.id && d.node !== '' && d.method.type !== 'progress' &&
    (m.meta.chunk === undefined || d.meta.chunk === String(m.meta.chunk)));
  page.send(m);
  return got;
}

function chunkMessage(id, type, k, n, data) {
  const m = envelope(type, data, { meta: { chunk: String(k), chunks: String(n) } });
  m.id = id;
  return m;
}

async function settled(page) {
  await page.settle();
  await page.settle();
}

describe('IFCPlugin interface (unit, stand-in agent)', () => {
  test('on the portal the two markers appear and create, version, get_list_info and get_list_certs answer in the plug-in\'s formats', async () => {
    const { agent } = standinAgent();
    const page = portalPage(PORTAL, agent);
    await settled(page);
    assert.ok(page.document.getElementById('ifcplugin-extension-is-installed'));
    assert.ok(page.document.getElementById('ifc-plugin-is-installed'));
    assert.deepEqual(await ifc(page, REQ.ifc.create), { error_code: 0 });
    assert.equal((await ifc(page, REQ.ifc.version)).error_code, 0);
    const info = await ifc(page, REQ.ifc.get_list_info);
    assert.equal(info.ifc_list[0].alias, 'Zavera');
    assert.equal(info.ifc_list[0].type, 'pkcs11');
    assert.equal(info.ifc_list[0].num, 'tok1');
    const certs = await ifc(page, REQ.ifc.get_list_certs);
    assert.equal(certs.error_code, 0);
    assert.equal(certs.cert_list.length, 1, 'only the certificates of the crypto device asked for');
    const c = certs.cert_list[0];
    assert.equal(c.id, 'id-leader');
    assert.match(c.cert_subject, /(^|\n)2\.5\.4\.3 = .+/);
    assert.match(c.cert_subject, /1\.2\.643\.100\.3 = \d{11}/, 'SNILS line');
    assert.match(c.cert_valid_from, /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4} GMT$/);
    assert.ok(!Number.isNaN(new Date(c.cert_valid_to).getTime()));
    assert.equal(c.cert_sign_alg, '1.2.643.7.1.1.1.1');
    const arr = await ifc(page, REQ.ifc.get_list_certs_by_cryptoid_array);
    assert.deepEqual(arr.result_array.map((r) => r.crypto_id), ['Zavera/tok1']);
    const h = await ifc(page, REQ.ifc.load_x509_from_container);
    const x = await ifc(page, { func_name: 'get_x509_info', params: { x509Handle: h.x509Handle } });
    assert.equal(Buffer.from(x.cert_info.base64, 'base64').toString('hex'), demoCertificate('leader').toString('hex'));
  });

  test('sign: an attached CMS over the login challenge\'s bytes, the page\'s userPin never sent on', async () => {
    const { agent, state } = standinAgent();
    const page = portalPage(PORTAL, agent);
    await settled(page);
    const r = await ifc(page, REQ.ifc.sign_attached_login);
    assert.equal(r.error_code, 0);
    const sign = state.calls.find((c) => c.method === 'sign');
    assert.equal(sign.params.attached, true);
    assert.equal(sign.params.certificate, 'id-leader');
    assert.equal(Buffer.from(sign.params.data, 'base64').toString(), REQ.ifc.sign_attached_login.params.data);
    assert.ok(!JSON.stringify(state.calls).includes('12345678'), 'the page\'s PIN reached the agent');
    const expected = crypto.createHash('sha256').update(REQ.ifc.sign_attached_login.params.data).digest('hex');
    assert.equal(Buffer.from(r.sign_value, 'base64').toString(), `sig:id-leader:${expected}:attached`);
    // Detached over base64 data, and over a hash.
    const d = await ifc(page, REQ.ifc.sign_detached_base64);
    assert.equal(d.error_code, 0);
    assert.match(Buffer.from(d.sign_value, 'base64').toString(), /:detached$/);
    const hs = await ifc(page, REQ.ifc.sign_hash_base64);
    assert.equal(hs.error_code, 0);
    assert.equal(state.calls.filter((c) => c.method === 'sign').at(-1).params.hash, REQ.ifc.sign_hash_base64.params.data);
  });

  test('a bare signature, key generation, an APDU and an unknown command answer IFC_NOT_SUPPORTED; bad parameters IFC_BAD_PARAMS', async () => {
    const { agent, state } = standinAgent();
    const page = portalPage(PORTAL, agent);
    await settled(page);
    for (const cmd of [REQ.ifc.sign_simple, REQ.ifc.key_gen, REQ.ifc.send_apdu, { func_name: 'no_such_thing', params: {} }]) {
      assert.equal((await ifc(page, cmd)).error_code, 0x11, cmd.func_name);
    }
    assert.equal((await ifc(page, { func_name: 'sign', params: { ...REQ.ifc.sign_attached_login.params, containerId: 'Other/1/x' } })).error_code, 0x0A);
    assert.equal((await ifc(page, { func_name: 'sign', params: { ...REQ.ifc.sign_attached_login.params, inDataType: 9 } })).error_code, 0x0D);
    assert.equal((await ifc(page, { func_name: 'sign', params: { ...REQ.ifc.sign_attached_login.params, inDataType: 2, data: '@@@' } })).error_code, 0x14);
    assert.equal((await ifc(page, 'not an object')).error_code, 0x05);
    assert.equal(state.calls.filter((c) => c.method === 'sign').length, 0, 'nothing was signed');
  });

  test('hash and verify', async () => {
    const { agent } = standinAgent();
    const page = portalPage(PORTAL, agent);
    await settled(page);
    const h = await ifc(page, REQ.ifc.hash);
    assert.equal(h.hashValue, crypto.createHash('sha256').update('abc').digest('base64'));
    assert.equal((await ifc(page, REQ.ifc.verify)).error_code, 0);
    assert.equal((await ifc(page, { func_name: 'verify', params: { ...REQ.ifc.verify.params, sign: 'BAD' } })).error_code, 0x13);
  });

  test('an agent refusal maps to the plug-in\'s codes: wrong PIN 0xA0, token missing 0x19', async () => {
    let reason = 'pin_incorrect';
    const { agent } = standinAgent({ sign: () => { throw { code: 1003, message: 'x', data: { reason } }; } });
    const page = portalPage(PORTAL, agent);
    await settled(page);
    assert.equal((await ifc(page, REQ.ifc.sign_attached_login)).error_code, 0xA0);
    reason = 'token_not_found';
    assert.equal((await ifc(page, REQ.ifc.sign_attached_login)).error_code, 0x19);
  });

  test('messages from another window are not answered', async () => {
    const { agent, state } = standinAgent();
    const page = portalPage(PORTAL, agent);
    await settled(page);
    page.sendFrom(JSON.stringify({ type: 'TO_IFC_EXT', msg_data: REQ.ifc.sign_attached_login }), { other: true });
    await settled(page);
    assert.equal(page.posted.length, 0);
    assert.equal(state.calls.length, 0);
  });
});

describe('gosuslugi.plugin interface (unit, stand-in agent)', () => {
  test('on the portal the meta tags appear; providers, tokens, certificates and chunkSize answer in the envelope', async () => {
    const { agent } = standinAgent();
    const page = portalPage(LK, agent);
    await settled(page);
    assert.ok(page.document.querySelector('meta[property="gosuslugi.plugin.extension.content"]'));
    assert.ok(page.document.querySelector('meta[property="gosuslugi.plugin.extension.crypto"]'));
    const p = await gos(page, envelope('providers', ''));
    assert.equal(p.code, '200');
    assert.equal(p.node, 'gosuslugi.plugin.crypto', 'the answer goes back to the route the request came from');
    assert.equal(p.method.data, null);
    assert.deepEqual(JSON.parse(p.method.result).map((x) => x.id), ['zavera']);
    assert.equal(p.meta.routes.at(-1).node, 'gosuslugi.plugin.extension.content');
    assert.equal(JSON.parse((await gos(page, envelope('tokens', ''))).method.result)[0].id, 'tok1');
    const certs = JSON.parse((await gos(page, envelope('certificates', '{}'))).method.result);
    assert.equal(certs.length, 2);
    assert.equal(Buffer.from(certs[0].content, 'base64').toString('hex'), demoCertificate('leader').toString('hex'));
    assert.match(certs[0].thumbprint, /^[0-9A-F]{40}$/);
    assert.match(certs[0].subject, /CN=/);
    assert.equal((await gos(page, envelope('chunkSize', ''))).method.result, '524288');
    const unknown = await gos(page, envelope('certificateRequest', '{}'));
    assert.equal(unknown.code, '501');
    assert.equal(unknown.method.result, '');
  });

  test('signature over inline files: one file signs with sign; signatureV2 signs a batch with per-file types', async () => {
    const { agent, state } = standinAgent();
    const page = portalPage(LK, agent);
    await settled(page);
    const req = { ...REQ.gosuslugi.signature, certificate: 'id-leader' };
    const a = await gos(page, envelope('signature', JSON.stringify(req)));
    assert.equal(a.code, '200', a.error);
    const out = JSON.parse(a.method.result);
    const doc = Buffer.from(req.files[0].content, 'base64');
    assert.equal(Buffer.from(out[0].content, 'base64').toString(), `sig:id-leader:${crypto.createHash('sha256').update(doc).digest('hex')}`);
    assert.equal(out[0].id, 'f1');
    const v2 = { ...REQ.gosuslugi.signatureV2, certificate: { content: demoCertificate('leader').toString('base64') } };
    const b = await gos(page, envelope('signatureV2', v2));
    assert.equal(b.code, '200', b.error);
    const res = JSON.parse(b.method.result);
    assert.deepEqual(res.map((r) => [r.id, r.type]), [['f1', 'detached'], ['f2', 'attached']]);
    assert.equal(Buffer.from(res[1].content, 'base64').toString(), 'P[<xml/>]S', 'the attached signature holds the document between the agent\'s parts');
    const batch = state.calls.find((c) => c.method === 'signBatch');
    assert.equal(batch.params.documents.length, 2);
    assert.equal(state.docs.size, 0, 'every upload was cancelled after signing');
  });

  test('a chunked request: chunks in order are uploaded as they come and signed at the last one', async () => {
    const { agent, state } = standinAgent();
    const page = portalPage(LK, agent);
    await settled(page);
    const file = crypto.randomBytes(CHUNK * 2 + 1000);
    const id = crypto.randomUUID();
    const n = 1 + 3;
    const first = await gos(page, chunkMessage(id, 'signature', 1, n, JSON.stringify({ certificate: 'id-leader', type: 'detached', files: [{ id: 'f1', name: 'устав.pdf', size: file.length }] })));
    assert.equal(first.code, '200', first.error);
    for (let k = 2; k <= n; k++) {
      const part = file.subarray((k - 2) * CHUNK, (k - 1) * CHUNK);
      const a = await gos(page, chunkMessage(id, 'signature', k, n, part.toString('base64')));
      assert.equal(a.code, '200', a.error);
      if (k < n) assert.equal(JSON.parse(a.method.result).chunk, k);
      else assert.equal(Buffer.from(JSON.parse(a.method.result)[0].content, 'base64').toString(), `sig:id-leader:${crypto.createHash('sha256').update(file).digest('hex')}`);
    }
    assert.ok(state.calls.filter((c) => c.method === 'documentChunk').every((c) => Buffer.from(c.params.data, 'base64').length <= CHUNK));
    await settled(page);
    assert.equal(state.docs.size, 0, 'nothing left on the agent');
  });

  test('each chunk goes on to the agent as the page sent it, not decoded in the content script', async () => {
    const { agent, state } = standinAgent();
    const decoded = [];
    const page = portalPage(LK, agent, { decoded });
    await settled(page);
    const file = crypto.randomBytes(CHUNK * 2 + 1000);
    const id = crypto.randomUUID();
    const n = 1 + 3;
    const first = await gos(page, chunkMessage(id, 'signature', 1, n, JSON.stringify({ certificate: 'id-leader', type: 'detached', files: [{ id: 'f1', name: 'устав.pdf', size: file.length }] })));
    assert.equal(first.code, '200', first.error);
    const sent = [];
    for (let k = 2; k <= n; k++) {
      sent.push(file.subarray((k - 2) * CHUNK, (k - 1) * CHUNK).toString('base64'));
      const a = await gos(page, chunkMessage(id, 'signature', k, n, sent[sent.length - 1]));
      assert.equal(a.code, '200', a.error);
    }
    for (const text of sent) assert.equal(decoded.filter((t) => t === text).length, 0, 'a chunk was decoded in the content script');
    assert.deepEqual(state.calls.filter((c) => c.method === 'documentChunk').map((c) => c.params.data), sent);
  });

  for (const [what, bad, code] of [
    ['a chunk out of order (a gap)', (id) => chunkMessage(id, 'signature', 3, 4, Buffer.alloc(10).toString('base64')), '409'],
    ['a repeated chunk', (id) => chunkMessage(id, 'signature', 1, 4, '{}'), '409'],
    ['an oversized chunk', (id) => chunkMessage(id, 'signature', 2, 4, Buffer.alloc(CHUNK + 1).toString('base64')), '413'],
    ['a malformed chunk', (id) => chunkMessage(id, 'signature', 2, 4, '@@not base64@@'), '400'],
    ['a chunk past the declared size', (id) => chunkMessage(id, 'signature', 2, 4, Buffer.alloc(CHUNK).toString('base64')), '409'],
  ]) {
    test(`${what}: a clear error, nothing signed, nothing left on the agent`, async () => {
      const { agent, state } = standinAgent();
      const page = portalPage(LK, agent);
      await settled(page);
      const id = crypto.randomUUID();
      const first = await gos(page, chunkMessage(id, 'signature', 1, 4, JSON.stringify({ certificate: 'id-leader', files: [{ id: 'f1', name: 'a.pdf', size: 1000 }] })));
      assert.equal(first.code, '200');
      if (what !== 'a chunk out of order (a gap)' && what !== 'a repeated chunk') {
        // One good chunk first for the malformed cases, so that an upload is open.
        const ok = await gos(page, chunkMessage(id, 'signature', 2, 4, Buffer.alloc(10).toString('base64')));
        assert.equal(ok.code, '200');
      }
      const m = bad(id);
      if (what !== 'a chunk out of order (a gap)' && what !== 'a repeated chunk') m.meta.chunk = '3';
      const a = await gos(page, m);
      assert.equal(a.code, code, `${a.code} ${a.error}`);
      assert.match(a.error, /[А-Яа-я]/, 'the error is a text for the user');
      // The request is over: its next chunk is out of order.
      const after = await gos(page, chunkMessage(id, 'signature', 4, 4, Buffer.alloc(10).toString('base64')));
      assert.equal(after.code, '409');
      await settled(page);
      assert.equal(state.calls.filter((c) => c.method === 'sign' || c.method === 'signBatch').length, 0, 'nothing was signed');
      assert.equal(state.docs.size, 0, 'nothing left on the agent');
    });
  }

  test('a chunk only the agent finds is not base64: a clear error before the last message, nothing signed, nothing left on the agent', async () => {
    const { agent, state } = standinAgent();
    const decoded = [];
    const page = portalPage(LK, agent, { decoded });
    await settled(page);
    const id = crypto.randomUUID();
    const n = 1 + 6;
    const first = await gos(page, chunkMessage(id, 'signature', 1, n, JSON.stringify({ certificate: 'id-leader', files: [{ id: 'f1', name: 'a.pdf', size: 6 * 12 }] })));
    assert.equal(first.code, '200');
    // Whole groups of four and no white space: the content script sizes it
    // by its length and the agent refuses it.
    const bad = 'AAAA@@@@AAAAAAAA';
    const answers = [];
    for (let k = 2; k <= n; k++) {
      const a = await gos(page, chunkMessage(id, 'signature', k, n, k === 3 ? bad : Buffer.alloc(12).toString('base64')));
      answers.push(a);
      if (a.code !== '200') break;
    }
    const failed = answers.at(-1);
    assert.equal(failed.code, '400', `${failed.code} ${failed.error}`);
    assert.match(failed.error, /[А-Яа-я]/, 'the error is a text for the user');
    assert.ok(Number(failed.meta.chunk) <= n, 'the page hears of it by its last message');
    assert.ok(!decoded.includes(bad), 'the content script left the check to the agent');
    assert.ok(state.calls.some((c) => c.method === 'documentChunk' && c.params.data === bad), 'the agent got the chunk as the page sent it');
    if (Number(failed.meta.chunk) < n) {
      const after = await gos(page, chunkMessage(id, 'signature', Number(failed.meta.chunk) + 1, n, Buffer.alloc(12).toString('base64')));
      assert.equal(after.code, '409');
    }
    await settled(page);
    assert.equal(state.calls.filter((c) => c.method === 'sign' || c.method === 'signBatch').length, 0, 'nothing was signed');
    assert.equal(state.docs.size, 0, 'nothing left on the agent');
  });

  test('a chunk of a request never started, and cancelChunks in the middle of one', async () => {
    const { agent, state } = standinAgent();
    const page = portalPage(LK, agent);
    await settled(page);
    assert.equal((await gos(page, chunkMessage(crypto.randomUUID(), 'signature', 2, 3, 'AAAA'))).code, '409');
    const id = crypto.randomUUID();
    await gos(page, chunkMessage(id, 'signature', 1, 3, JSON.stringify({ certificate: 'id-leader', files: [{ id: 'f1', name: 'a.pdf', size: 20 }] })));
    await gos(page, chunkMessage(id, 'signature', 2, 3, Buffer.alloc(10).toString('base64')));
    const c = await gos(page, envelope('cancelChunks', ''));
    assert.equal(c.method.result, 'true');
    assert.equal((await gos(page, chunkMessage(id, 'signature', 3, 3, Buffer.alloc(10).toString('base64')))).code, '409');
    await settled(page);
    assert.equal(state.docs.size, 0);
    assert.equal(state.calls.filter((x) => x.method === 'sign').length, 0);
  });

  test('hash of an inline file, and a chunked hash', async () => {
    const { agent } = standinAgent();
    const page = portalPage(LK, agent);
    await settled(page);
    const h = await gos(page, envelope('hash', JSON.stringify({ file: { content: Buffer.from('abc').toString('base64'), name: 'a' } })));
    assert.equal(JSON.parse(h.method.result).value, crypto.createHash('sha256').update('abc').digest('base64'));
    const id = crypto.randomUUID();
    await gos(page, chunkMessage(id, 'hash', 1, 3, JSON.stringify({ file: { name: 'a', size: 6 } })));
    await gos(page, chunkMessage(id, 'hash', 2, 3, Buffer.from('abc').toString('base64')));
    const last = await gos(page, chunkMessage(id, 'hash', 3, 3, Buffer.from('def').toString('base64')));
    assert.equal(JSON.parse(last.method.result).value, crypto.createHash('sha256').update('abcdef').digest('base64'));
  });

  test('a URL of another origin is not fetched', async () => {
    const { agent, state } = standinAgent();
    const page = portalPage(LK, agent);
    await settled(page);
    const a = await gos(page, envelope('signature', JSON.stringify({ certificate: 'id-leader', files: [{ contentEncoding: 'url', path: 'https://evil.example/a.pdf', id: 'f1' }] })));
    assert.equal(a.code, '403');
    assert.equal(state.calls.filter((c) => c.method === 'documentOpen').length, 0);
  });
});

describe('an origin that is not the portal\'s', () => {
  for (const origin of ['https://gosuslugi.ru.evil.example', 'https://evilgosuslugi.ru', 'http://esia.gosuslugi.ru', 'https://esia.gosuslugi.ru:8443']) {
    test(`${origin} gets no markers, no meta tags and no answers`, async () => {
      const { agent, state } = standinAgent();
      const page = portalPage(origin, agent);
      await settled(page);
      page.send(JSON.stringify({ type: 'TO_IFC_EXT', msg_data: REQ.ifc.sign_attached_login }));
      page.send(envelope('certificates', '{}'));
      await settled(page);
      assert.equal(page.document.all.length, 0, 'something was added to the page');
      assert.equal(page.posted.length, 0, 'something was answered');
      assert.equal(state.calls.length, 0);
    });
  }

  test('an origin the background serves (policy or the agent\'s configuration) gets both interfaces', async () => {
    const { agent } = standinAgent();
    const page = portalPage('http://127.0.0.1:8765', agent, { backgroundAllows: true });
    await settled(page);
    assert.ok(page.document.getElementById('ifc-plugin-is-installed'));
    assert.equal((await ifc(page, REQ.ifc.create)).error_code, 0);
  });
});
