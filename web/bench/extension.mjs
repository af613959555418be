// `make bench` step: the browser extension's costs, measured in one
// headless Chromium page against one agent and GOST test token, the three
// ways interleaved:
//   - websocket: zavera.js over the loopback websocket;
//   - channel: the same `sign` through the extension's bridge, background,
//     native messaging host and the agent's local channel, posted directly
//     (without the page API);
//   - cadesplugin: CadesSignedData.SignCades through window.cadesplugin,
//     which makes that same `sign` call over the same channel.
// Ratios follow bench/client.mjs: reference / value (> 1: faster).
//
//   node bench/extension.mjs --out ../build/bench.d/extension.jsonl

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { launchWithExtension } from '../test-support/extension.mjs';
import { root, startAgent, tempDir, tokenDir } from '../test-support/stack.mjs';

const { values } = parseArgs({ options: { out: { type: 'string' }, n: { type: 'string', default: '100' } } });
const N = Number(values.n);
const CLIENT = path.join(root, 'web', 'client', 'zavera.js');

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

const server = http.createServer((req, res) => {
  if (req.url === '/zavera.js') {
    res.writeHead(200, { 'content-type': 'text/javascript' });
    res.end(fs.readFileSync(CLIENT));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end('<!doctype html><meta charset="utf-8"><title>bench</title><script type="module">import * as z from "/zavera.js"; window.zavera = z;</script>');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const tmp = tempDir();
const tokens = tokenDir(tmp.dir);
const agent = await startAgent({ tmp: tmp.dir, tokens, devOrigins: [origin] });
let context;
try {
  context = await launchWithExtension(tmp.dir, agent.stateDir);
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => window.zavera && window.cadesplugin);

  const times = await page.evaluate(async ({ n, port }) => {
    const doc = new Uint8Array(1024).map((_, i) => i & 0xff);
    let bin = '';
    for (const b of doc) bin += String.fromCharCode(b);
    const docB64 = btoa(bin);

    // The page API: a signer for the first certificate.
    const cp = window.cadesplugin;
    // Learn the channel's token from the page API's own first call (any
    // script of the page can), to call the channel without the page API.
    let token = null;
    window.addEventListener('zavera-page-call', (ev) => {
      if (typeof ev.detail === 'string') token = JSON.parse(ev.detail).token;
    });
    const store = await cp.CreateObjectAsync('CAdESCOM.Store');
    await store.Open();
    const cert = await (await store.Certificates).Item(1);
    const signer = await cp.CreateObjectAsync('CAdESCOM.CPSigner');
    await signer.propset_Certificate(cert);
    const sd = await cp.CreateObjectAsync('CAdESCOM.CadesSignedData');
    await sd.propset_ContentEncoding(cp.CADESCOM_BASE64_TO_BINARY);
    await sd.propset_Content(docB64);
    const viaShim = () => sd.SignCades(signer, cp.CADESCOM_CADES_BES, true);

    let nextId = 1e6;
    const call = (method, params) => new Promise((resolve, reject) => {
      const id = nextId++;
      const onAnswer = (ev) => {
        const d = JSON.parse(ev.detail);
        if (d.id !== id) return;
        window.removeEventListener('zavera-bridge-answer', onAnswer);
        if (d.error) reject(Object.assign(new Error(d.error.message), { data: d.error.data })); else resolve(d.result);
      };
      window.addEventListener('zavera-bridge-answer', onAnswer);
      window.dispatchEvent(new CustomEvent('zavera-page-call', { detail: JSON.stringify({ token, id, method, params }) }));
    });
    const viaChannel = (params) => call('sign', params);
    const { certificates } = await call('certificates', {});
    const thumbId = certificates[0].id;
    const channelParams = { certificate: thumbId, description: 'bench', data: docB64 };

    const z = await window.zavera.connect({ port, portRange: 1, schemes: ['ws'], pair: true });
    const viaWs = () => z.sign({ certificate: thumbId, data: doc, description: 'bench' });

    // Where the time goes: a call that does no work (info) both ways, and
    // the page's hop to the bridge and back alone (a method the bridge
    // refuses itself, without the background).
    const hop = () => call('nosuchmethod', {}).then(() => { throw new Error('the bridge took an unknown method'); },
      (e) => { if (!e.data || e.data.reason !== 'bad_request') throw e; });
    // Ten hops per sample: one is below the page's timer resolution (0.1 ms).
    const HOPS = 10;
    const t = { ws: [], channel: [], shim: [], infoWs: [], infoChannel: [], hop: [] };
    const round = async (record) => {
      let s = performance.now(); await viaWs(); if (record) t.ws.push(performance.now() - s);
      s = performance.now(); await viaChannel(channelParams); if (record) t.channel.push(performance.now() - s);
      s = performance.now(); await viaShim(); if (record) t.shim.push(performance.now() - s);
      s = performance.now(); await z.info(); if (record) t.infoWs.push(performance.now() - s);
      s = performance.now(); await call('info', {}); if (record) t.infoChannel.push(performance.now() - s);
      s = performance.now(); for (let k = 0; k < HOPS; k++) await hop(); if (record) t.hop.push((performance.now() - s) / HOPS);
    };
    for (let i = 0; i < 10; i++) await round(false);
    for (let i = 0; i < n; i++) await round(true);
    z.close();
    return t;
  }, { n: N, port: agent.port });

  const mw = median(times.ws);
  const mc = median(times.channel);
  const ms = median(times.shim);
  const miw = median(times.infoWs);
  const mic = median(times.infoChannel);
  const mh = median(times.hop);
  const figs = [
    { name: 'extension: sign round trip through the extension and native messaging, median (vs the websocket)', value: mc, unit: 'ms', reference: mw, ratio: mw / mc,
      note: `headless Chromium, GOST test token, 1 KiB document, scripted consent, ${N} requests each, interleaved; goal: at most 1.5x the websocket (ratio >= 0.67)` },
    { name: 'extension: sign round trip through window.cadesplugin SignCades, median (vs the same call without the page API)', value: ms, unit: 'ms', reference: mc, ratio: mc / ms,
      note: `same page and channel, ${N} requests each, interleaved` },
    { name: 'extension: info round trip through the extension and native messaging, median (vs the websocket)', value: mic, unit: 'ms', reference: miw, ratio: miw / mic,
      note: `a call without work: the channel's own cost; same page, ${N} requests each, interleaved with the above` },
    { name: 'extension: the page\'s hop to the extension\'s bridge and back, median (vs the info round trip through the extension)', value: mh, unit: 'ms', reference: mic, ratio: mic / mh,
      note: `a method the bridge refuses itself, without the background; ${N} samples of 10 calls in a row, interleaved with the above` },
  ];
  const text = figs.map((f) => JSON.stringify(f)).join('\n') + '\n';
  if (values.out) fs.writeFileSync(values.out, text); else process.stdout.write(text);
} finally {
  if (context) await context.close();
  await agent.stop();
  server.close();
  tmp.remove();
}
