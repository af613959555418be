// Documents streamed to the real agent in chunks: sign({file}) with a
// Blob and a ReadableStream, progress, cancellation, batches of files, and
// a large document made on the fly (2 GiB, or ZAVERA_STREAM_BYTES) whose
// detached signature OpenSSL verifies with the document streamed to it
// through a named pipe: nothing of it is written to disk.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';

import { connect, Reason, ZaveraError } from '@zavera/client';
import fs from 'node:fs';
import path from 'node:path';
import { opensslVerify, root, run, startAgent, tempDir, tokenDir } from '../../test-support/stack.mjs';
import { generated, opensslVerifyStreamed } from '../../test-support/bigdoc.mjs';

const PORTAL = 'https://portal.test';
// The large document's size: 2 GiB (about a minute and a half here);
// ZAVERA_STREAM_BYTES sets another, such as 268435456 for a quick run.
const BIG = Number(process.env.ZAVERA_STREAM_BYTES || 2 ** 31);

function dial(port) {
  return connect({ port, lang: 'ru', createWebSocket: (u) => new WebSocket(u, { origin: PORTAL }), timeout: 5000 });
}

function streamOf(size) {
  const it = generated(size);
  return new ReadableStream({
    pull(ctl) {
      const { value, done } = it.next();
      if (done) ctl.close();
      else ctl.enqueue(value);
    },
  }, { highWaterMark: 1 });
}

describe('documents streamed to the agent', () => {
  let tmp;
  let tokens;
  let agent;
  let z;
  let cert;

  before(async () => {
    tmp = tempDir();
    tokens = tokenDir(tmp.dir);
    agent = await startAgent({ tmp: tmp.dir, tokens, origins: [PORTAL] });
    z = await dial(agent.port);
    [cert] = await z.certificates({ snils: '00012345656' });
    assert.ok(cert, 'the leader\'s certificate');
  });

  after(async () => {
    if (z) z.close();
    if (agent) await agent.stop();
    tmp.remove();
  });

  test('sign({file}) with a Blob: progress up to the size, a signature OpenSSL verifies', async () => {
    const doc = new TextEncoder().encode('Устав общества, редакция 3\n'.repeat(200000));
    const progress = [];
    const s = await z.sign({ certificate: cert.id, file: new Blob([doc]), name: 'устав.txt', description: 'Устав' },
      { onUpload: (p) => progress.push(p) });
    assert.ok(progress.length >= 2, `${progress.length} progress calls`);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i].sent > progress[i - 1].sent);
    assert.deepEqual(progress.at(-1), { sent: doc.length, size: doc.length });
    await opensslVerify(tmp.dir, s.signature, doc, tokens.caFile);
    await assert.rejects(opensslVerify(tmp.dir, s.signature, doc.subarray(1), tokens.caFile));
  });

  test('an attached signature of a file: a Blob of the agent\'s parts around the file, which OpenSSL opens', async () => {
    const doc = new TextEncoder().encode('Приложение к договору\n'.repeat(100000));
    const s = await z.sign({ certificate: cert.id, file: new Blob([doc]), attached: true, description: 'Приложение' });
    assert.ok(s.signature instanceof Blob);
    assert.ok(s.signature.size > doc.length && s.signature.size < doc.length + 8192, `${s.signature.size}`);
    const dir = fs.mkdtempSync(path.join(tmp.dir, 'attached-'));
    fs.writeFileSync(path.join(dir, 'sig.der'), new Uint8Array(await s.signature.arrayBuffer()));
    await run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', path.join(dir, 'sig.der'),
      '-CAfile', tokens.caFile, '-purpose', 'any', '-out', path.join(dir, 'content')],
    { env: { OPENSSL_CONF: path.join(root, 'testdata', 'openssl-gost.cnf') } });
    assert.deepEqual(new Uint8Array(fs.readFileSync(path.join(dir, 'content'))), doc);
    await assert.rejects(z.sign({ certificate: cert.id, file: streamOf(10), size: 10, attached: true, description: 'поток' }), TypeError);
  });

  test('signBatch with files and data: one confirmation, each signature verifies', async () => {
    const a = new TextEncoder().encode('<a/>'.repeat(300000));
    const b = new TextEncoder().encode('второй документ\n'.repeat(1000));
    const uploads = new Set();
    const res = await z.signBatch({
      certificate: cert.id, description: 'Пакет',
      documents: [{ name: 'a.xml', file: new Blob([a]) }, { name: 'b.txt', file: streamOf(0), size: 0 }, { name: 'c.txt', data: b }],
    }, { onUpload: (p) => uploads.add(p.index) });
    assert.deepEqual([...uploads], [0]);
    assert.equal(res.length, 3);
    assert.ok(res.every((r) => !r.error), JSON.stringify(res.map((r) => r.error && r.error.reason)));
    await opensslVerify(tmp.dir, res[0].signature, a, tokens.caFile);
    await opensslVerify(tmp.dir, res[1].signature, new Uint8Array(0), tokens.caFile);
    await opensslVerify(tmp.dir, res[2].signature, b, tokens.caFile);
  });

  test('data over a message\'s size is uploaded by sign and signBatch: detached and attached verify', async () => {
    const doc = new TextEncoder().encode('Годовая бухгалтерская отчётность\n'.repeat(120000)); // 4 MiB
    const progress = [];
    const s = await z.sign({ certificate: cert.id, data: doc, description: 'Отчётность' }, { onUpload: (p) => progress.push(p.sent) });
    assert.equal(progress.at(-1), doc.length, 'the data went as an upload');
    await opensslVerify(tmp.dir, s.signature, doc, tokens.caFile);
    const text = 'Устав\n'.repeat(300000);
    const att = await z.sign({ certificate: cert.id, data: text, attached: true, description: 'Устав' });
    assert.equal(typeof att.signature, 'string');
    const dir = fs.mkdtempSync(path.join(tmp.dir, 'inline-'));
    fs.writeFileSync(path.join(dir, 'sig.der'), Buffer.from(att.signature, 'base64'));
    await run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', path.join(dir, 'sig.der'),
      '-CAfile', tokens.caFile, '-purpose', 'any', '-out', path.join(dir, 'content')],
    { env: { OPENSSL_CONF: path.join(root, 'testdata', 'openssl-gost.cnf') } });
    assert.equal(fs.readFileSync(path.join(dir, 'content'), 'utf8'), text);
    const res = await z.signBatch({ certificate: cert.id, description: 'Пакет', documents: [{ name: 'big.txt', data: doc }] });
    assert.ok(!res[0].error, JSON.stringify(res[0].error));
    await opensslVerify(tmp.dir, res[0].signature, doc, tokens.caFile);
  });

  test('an AbortSignal cancels the upload: cancelled, and the connection goes on', async () => {
    const ctl = new AbortController();
    const size = 64 << 20;
    const e = await z.sign({ certificate: cert.id, file: streamOf(size), size, name: 'x.bin', description: 'отмена' }, {
      signal: ctl.signal,
      onUpload: (p) => { if (p.sent >= size / 2) ctl.abort(); },
    }).then(() => null, (err) => err);
    assert.ok(e instanceof ZaveraError, String(e));
    assert.equal(e.reason, Reason.CANCELLED);
    const s = await z.sign({ certificate: cert.id, file: new Blob(['после отмены']), description: 'после' });
    await opensslVerify(tmp.dir, s.signature, new TextEncoder().encode('после отмены'), tokens.caFile);
  });

  test('a stream longer or shorter than its size is refused, nothing signed', async () => {
    const short = await z.sign({ certificate: cert.id, file: streamOf(1000), size: 2000, description: 'короче' }).then(() => null, (e) => e);
    assert.equal(short && short.reason, Reason.BAD_REQUEST);
    const long = await z.sign({ certificate: cert.id, file: streamOf(3000), size: 2000, description: 'длиннее' }).then(() => null, (e) => e);
    assert.equal(long && long.reason, Reason.BAD_REQUEST);
  });

  test(`a ${BIG} byte document from a generator, its detached signature verified by OpenSSL`, async () => {
    const started = Date.now();
    let last = 0;
    const s = await z.sign({ certificate: cert.id, file: streamOf(BIG), size: BIG, name: 'big.bin', description: 'Большой документ' },
      { onUpload: (p) => { last = p.sent; } });
    const secs = (Date.now() - started) / 1000;
    assert.equal(last, BIG);
    console.log(`# streamed and signed ${BIG} bytes in ${secs.toFixed(1)} s (${(BIG / 1048576 / secs).toFixed(0)} MiB/s)`);
    await opensslVerifyStreamed(tmp.dir, s.signature, BIG, tokens.caFile);
  });
});
