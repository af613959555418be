// `make bench` step: the cost of the JS client. The same agent and GOST
// test token serve requests sent through zavera.js and through a bare
// JSON-RPC websocket client, interleaved in the same run; the ratios say
// how close the client stays to the bare protocol (ratio > 1: the client
// is faster).
//
//   node bench/client.mjs --out ../build/bench.d/web.jsonl

import fs from 'node:fs';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

import { connect } from '@zavera/client';
import { startAgent, tempDir, tokenDir } from '../test-support/stack.mjs';

const { values } = parseArgs({ options: { out: { type: 'string' }, n: { type: 'string', default: '150' } } });
const N = Number(values.n);
const ORIGIN = 'https://portal.bench';

// bare is a minimal JSON-RPC client: one request at a time.
async function bare(port) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { origin: ORIGIN });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  let id = 0;
  const call = (method, params) => new Promise((resolve, reject) => {
    const my = ++id;
    const onMsg = (raw) => {
      const m = JSON.parse(raw);
      if (m.id !== my) return;
      ws.off('message', onMsg);
      if (m.error) reject(new Error(m.error.message)); else resolve(m.result);
    };
    ws.on('message', onMsg);
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: my, method, params }));
  });
  await call('hello', { protocols: [1] });
  return { call, close: () => ws.close() };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

const tmp = tempDir();
const tokens = tokenDir(tmp.dir);
const agent = await startAgent({ tmp: tmp.dir, tokens, origins: [ORIGIN] });
try {
  const z = await connect({ port: agent.port, schemes: ['ws'], createWebSocket: (u) => new WebSocket(u, { origin: ORIGIN }) });
  const b = await bare(agent.port);
  const [c] = await z.certificates({ snils: '00012345656' });
  const doc = new Uint8Array(1024).map((_, i) => i);
  const docB64 = Buffer.from(doc).toString('base64');
  const viaClient = () => z.sign({ certificate: c.id, data: doc, description: 'bench' });
  const viaBare = () => b.call('sign', { certificate: c.id, data: docB64, description: 'bench' });
  for (let i = 0; i < 10; i++) { await viaClient(); await viaBare(); }
  const tc = [];
  const tb = [];
  for (let i = 0; i < N; i++) {
    let t = performance.now(); await viaClient(); tc.push(performance.now() - t);
    t = performance.now(); await viaBare(); tb.push(performance.now() - t);
  }
  const docs = Array.from({ length: 100 }, (_, i) => ({ name: `f${i}.xml`, data: doc }));
  const bareDocs = docs.map((d) => ({ name: d.name, size: doc.length, data: docB64 }));
  const rates = { client: [], bare: [] };
  for (let r = 0; r < 3; r++) {
    let t = performance.now();
    await z.signBatch({ certificate: c.id, description: 'bench', documents: docs });
    rates.client.push(docs.length / ((performance.now() - t) / 1000));
    t = performance.now();
    await b.call('signBatch', { certificate: c.id, description: 'bench', documents: bareDocs });
    rates.bare.push(docs.length / ((performance.now() - t) / 1000));
  }
  z.close();
  b.close();
  const mc = median(tc);
  const mb = median(tb);
  const rc = median(rates.client);
  const rb = median(rates.bare);
  const figs = [
    { name: 'web: sign round trip through zavera.js, median (vs bare JSON-RPC over ws)', value: mc, unit: 'ms', reference: mb, ratio: mb / mc,
      note: `GOST test token, 1 KiB document, scripted consent, ${N} requests each, interleaved` },
    { name: 'web: batch of 100 documents through zavera.js (vs bare JSON-RPC over ws)', value: rc, unit: 'docs/s', reference: rb, ratio: rc / rb,
      note: 'GOST test token, 1 KiB documents, median of 3 batches each' },
  ];
  const text = figs.map((f) => JSON.stringify(f)).join('\n') + '\n';
  if (values.out) fs.writeFileSync(values.out, text); else process.stdout.write(text);
} finally {
  await agent.stop();
  tmp.remove();
}
