// `make bench` step: a 100 MiB founding document signed through the
// gosuslugi.plugin interface in chunks (512 KiB base64 messages from the
// page, each answered before the next, as the «Создание организации» page
// sends them) in headless Chromium with the extension, its native
// messaging host and the agent on the GOST test token, against
// `zavera digest` of the same bytes in the same run; and the agent's peak
// resident memory meanwhile (VmHWM, reset just before) against the goal;
// and the processor time the signature took in all the processes it
// crosses (the browser's, the host and the agent) against `zavera
// digest`'s, split by process in the figure's note: unlike the throughput,
// it hardly depends on what else the machine is doing. The signature is
// checked by OpenSSL over the same bytes.
//
//   node bench/portal.mjs --out ../build/bench.d/portal.jsonl
//
// With --profile DIR it also records CPU profiles of the page's renderer
// (the page and the content scripts share its V8 isolate) and of the
// extension's service worker during the signature, through the DevTools
// protocol's Profiler domain, writes them as DIR/page.cpuprofile and
// DIR/worker.cpuprofile (for Chromium's DevTools) and prints the functions
// that took the most time of their own.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

import { IDS, launchWithExtension } from '../test-support/extension.mjs';
import { makeBlob, messagingFloor, pageProtocol } from './floor.mjs';
import { byProcess, cpuSeconds, cpuSpent, processCPU } from './proc.mjs';
import { generated, opensslVerifyStreamed } from '../test-support/bigdoc.mjs';
import { build, startAgent, tempDir, tokenDir } from '../test-support/stack.mjs';

const { values } = parseArgs({ options: { out: { type: 'string' }, profile: { type: 'string' }, size: { type: 'string', default: String(100 * 1024 * 1024) } } });
const SIZE = Number(values.size);
const MIB = SIZE / (1 << 20);
const MEMORY_GOAL = 64; // MB

function vmHWM(pid) {
  return Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
}

// devtools connects to a target of the browser's DevTools endpoint (its
// port in the profile's DevToolsActivePort) whose type and URL match.
async function devtools(profile, match) {
  const port = Number(fs.readFileSync(path.join(profile, 'DevToolsActivePort'), 'utf8').split('\n')[0]);
  let target;
  for (let i = 0; i < 100 && !target; i++) {
    const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
    target = list.find(match);
    if (!target) await new Promise((r) => setTimeout(r, 100));
  }
  if (!target) throw new Error('profile: no such DevTools target');
  const ws = new WebSocket(target.webSocketDebuggerUrl, { perMessageDeflate: false, maxPayload: 1 << 30 });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  let next = 0;
  const waiting = new Map();
  ws.on('message', (data) => {
    const m = JSON.parse(String(data));
    const w = m.id !== undefined && waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.error) w.reject(new Error(m.error.message)); else w.resolve(m.result);
  });
  return {
    send: (method, params = {}) => new Promise((resolve, reject) => {
      const id = ++next;
      waiting.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    }),
    close: () => ws.close(),
  };
}

// topFunctions sums a CPU profile's samples by function (self time).
function topFunctions(profile, n = 15) {
  const nodes = new Map(profile.nodes.map((x) => [x.id, x]));
  const self = new Map();
  profile.samples.forEach((id, i) => {
    const f = nodes.get(id).callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url ? `${path.basename(f.url)}:${f.lineNumber + 1}` : ''}`.trim();
    self.set(key, (self.get(key) || 0) + (profile.timeDeltas[i] || 0) / 1e6);
  });
  return Array.from(self).sort((a, b) => b[1] - a[1]).slice(0, n);
}

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end('<!doctype html><meta charset="utf-8"><title>portal bench</title><body>bench</body>');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const tmp = tempDir();
const tokens = tokenDir(tmp.dir);
const agent = await startAgent({ tmp: tmp.dir, tokens, devOrigins: [origin], statePortalOrigins: [origin] });
let context;
try {
  context = await launchWithExtension(tmp.dir, agent.stateDir, values.profile ? ['--remote-debugging-port=0'] : []);
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  await page.waitForSelector('meta[property="gosuslugi.plugin.extension.content"]', { state: 'attached', timeout: 30000 });

  // The document, made in the page from the same generator as in Node.
  await page.evaluate(makeBlob(SIZE));

  await page.evaluate(pageProtocol);
  const certificate = await page.evaluate(async () => (await window.gos(crypto.randomUUID(), 'certificates', '{}'))[0].id);

  const profilers = {};
  if (values.profile) {
    fs.mkdirSync(values.profile, { recursive: true });
    profilers.page = await devtools(path.join(tmp.dir, 'profile'), (t) => t.type === 'page' && t.url.startsWith(origin));
    profilers.worker = await devtools(path.join(tmp.dir, 'profile'), (t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${IDS.chromium}/`));
    for (const p of Object.values(profilers)) {
      await p.send('Profiler.enable');
      await p.send('Profiler.setSamplingInterval', { interval: 200 });
      await p.send('Profiler.start');
    }
  }
  fs.writeFileSync(`/proc/${agent.proc.pid}/clear_refs`, '5');
  const cpuBefore = processCPU(agent.proc.pid);
  const { out, ms } = await page.evaluate((cert) => window.sendChunked(window.bigdoc, 'signatureV2',
    JSON.stringify({ certificate: cert, type: 'detached', files: [{ id: 'f1', name: 'решение.pdf', size: window.bigdoc.size }] })), certificate);
  const peak = vmHWM(agent.proc.pid) / 1e6;
  const cpu = cpuSpent(cpuBefore, processCPU(agent.proc.pid));
  const cpuTotal = Object.values(cpu).reduce((a, b) => a + b, 0);
  const signature = out[0].content;
  for (const [name, p] of Object.entries(profilers)) {
    const { profile: recorded } = await p.send('Profiler.stop');
    p.close();
    fs.writeFileSync(path.join(values.profile, `${name}.cpuprofile`), JSON.stringify(recorded));
    console.log(`${name}: the functions with the most time of their own, s`);
    for (const [f, t] of topFunctions(recorded)) console.log(`  ${t.toFixed(3)}  ${f}`);
  }

  // The reference: zavera digest of the same bytes, best of two.
  const doc = path.join(tmp.dir, 'document.bin');
  const fd = fs.openSync(doc, 'w');
  for (const b of generated(SIZE)) fs.writeSync(fd, b);
  fs.closeSync(fd);
  let ref = Infinity;
  let refCPU = Infinity;
  for (let i = 0; i < 2; i++) {
    const t0 = performance.now();
    const c0 = cpuSeconds(process.pid, true) - cpuSeconds(process.pid);
    const r = spawnSync(path.join(build, 'zavera-script'), ['digest', doc]);
    if (r.status !== 0) throw new Error(`zavera digest: ${r.stderr}`);
    ref = Math.min(ref, performance.now() - t0);
    refCPU = Math.min(refCPU, cpuSeconds(process.pid, true) - cpuSeconds(process.pid) - c0);
  }
  fs.rmSync(doc);
  await opensslVerifyStreamed(tmp.dir, signature, SIZE, tokens.caFile);
  await context.close();
  context = null;

  // The floor: the same chunks from the same page through a minimal
  // extension to a native host that only answers (floor.mjs).
  const floor = await messagingFloor({ dir: tmp.dir, origin, size: SIZE });
  const browserSide = (by) => Object.entries(by).filter(([k]) => k !== 'agent' && k !== 'host').reduce((n, [, v]) => n + v, 0);

  const rate = MIB / (ms / 1000);
  const refRate = MIB / (ref / 1000);
  const figs = [
    { name: `portal: ${MIB} MiB signed through gosuslugi.plugin in chunks (vs zavera digest)`, value: rate, unit: 'MiB/s', reference: refRate, ratio: rate / refRate,
      note: 'headless Chromium, the page → extension → zavera-host → agent, 512 KiB base64 messages each answered before the next, scripted consent, GOST test token; goal: ratio >= 0.5' },
    { name: 'portal: agent\'s peak resident memory during it (vs goal)', value: peak, unit: 'MB', reference: MEMORY_GOAL, ratio: MEMORY_GOAL / peak,
      note: 'VmHWM of the agent, reset before the request; reference is the goal' },
    { name: `portal: processor time of the ${MIB} MiB signature, all its processes (vs zavera digest's)`, value: cpuTotal, unit: 's', reference: refCPU, ratio: refCPU / cpuTotal,
      note: `user and system time from /proc/<pid>/stat; by process: ${byProcess(cpu)}` },
    { name: `portal: the browser's processor time for the same ${MIB} MiB through a minimal extension to a native host (vs the signature's)`, value: browserSide(floor.cpu), unit: 's', reference: browserSide(cpu), ratio: browserSide(floor.cpu) / browserSide(cpu),
      note: `the floor: Chromium's window and extension messaging alone for the same chunks from the same page (web/bench/floor.mjs), in ${(floor.ms / 1000).toFixed(1)} s; by process: ${byProcess(floor.cpu)}; the signature's: ${byProcess(cpu)}` },
  ];
  const text = figs.map((f) => JSON.stringify(f)).join('\n') + '\n';
  if (values.out) fs.writeFileSync(values.out, text); else process.stdout.write(text);
} finally {
  if (context) await context.close();
  await agent.stop();
  server.close();
  tmp.remove();
}
