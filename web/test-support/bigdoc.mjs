// A large document made on the fly, the same bytes for the same size in
// Node and in a page, and OpenSSL's check of a detached signature over it
// with the document written into a named pipe as OpenSSL reads it:
// nothing of it is written to disk.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { root } from './stack.mjs';

// generated yields size bytes, the same for the same size, 1 MiB at a
// time: a pseudo-random block with the block's number written into it.
// It uses nothing outside itself, so that a page can run its source.
export function* generated(size) {
  const block = new Uint8Array(1 << 20);
  let x = 0x9e3779b9;
  for (let i = 0; i < block.length; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    block[i] = x & 0xff;
  }
  for (let off = 0, n = 0; off < size; off += block.length, n++) {
    const b = block.slice(0, Math.min(block.length, size - off));
    if (b.length >= 4) new DataView(b.buffer).setUint32(0, n);
    yield b;
  }
}

// opensslVerifyStreamed verifies a detached signature over the generated
// document, written into a named pipe as OpenSSL reads it.
export async function opensslVerifyStreamed(dir, signatureB64, size, caFile) {
  const sig = path.join(dir, 'big.p7s');
  const fifo = path.join(dir, 'big.fifo');
  fs.writeFileSync(sig, Buffer.from(signatureB64, 'base64'));
  fs.rmSync(fifo, { force: true });
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  const p = spawn('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', sig, '-content', fifo,
    '-CAfile', caFile, '-purpose', 'any', '-out', '/dev/null'], {
    env: { ...process.env, OPENSSL_CONF: path.join(root, 'testdata', 'openssl-gost.cnf') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  p.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((r) => p.on('exit', (code) => r(code)));
  const out = fs.createWriteStream(fifo);
  for (const b of generated(size)) {
    if (!out.write(b)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
  const code = await exited;
  assert.equal(code, 0, `openssl cms -verify: ${err}`);
  assert.match(err, /Verification successful/);
}

