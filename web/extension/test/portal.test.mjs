// The state services portal's plug-in interfaces end to end in Chromium:
// the built extension (build/extension/chromium) in headless Chromium, its
// native messaging host registered in the profile, the real agent
// (approving test prompter) on the GOST test token, and the demo portal
// (zavera demo-portal), whose origin the agent's configuration lists in
// statePortalOrigins as `make run` does.
//
// «Вход через ЕСИА» logs in through IFCPlugin; «Создание организации»
// signs founding documents (one of 100 MiB) through gosuslugi.plugin in
// chunks as one batch. Every signature is verified by OpenSSL with the
// GOST engine and by the portal's server; the agent's peak memory during
// the 100 MiB signature is measured (VmHWM, reset before). A page of
// another origin gets no markers, no meta tags and no answers.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import { pdf } from '../../test-support/browser.mjs';
import { generated } from '../../test-support/bigdoc.mjs';
import { EXTENSION, extensionWorker, launchWithExtension, need } from '../../test-support/extension.mjs';
import { root, run, startAgent, startPortal, tempDir, tokenDir } from '../../test-support/stack.mjs';

const GOST_ENV = { OPENSSL_CONF: path.join(root, 'testdata', 'openssl-gost.cnf') };
const BIG = 100 * 1024 * 1024;


// opensslVerify checks a CMS signature (detached over file, or attached)
// and returns the attached content.
async function opensslVerify(dir, sigB64, contentFile, caFile) {
  const sig = path.join(dir, `sig-${crypto.randomUUID()}.der`);
  const out = `${sig}.out`;
  fs.writeFileSync(sig, Buffer.from(sigB64.replace(/\s/g, ''), 'base64'));
  const args = ['cms', '-verify', '-binary', '-inform', 'DER', '-in', sig, '-CAfile', caFile, '-purpose', 'any', '-out', out];
  if (contentFile) args.push('-content', contentFile);
  await run('openssl', args, { env: GOST_ENV });
  return fs.readFileSync(out);
}

// The certificate's INNLE and OGRN, as OpenSSL reads its subject.
async function orgOf(certFile) {
  const subject = await run('openssl', ['x509', '-in', certFile, '-noout', '-subject', '-nameopt', 'oid,sep_multiline'], { env: GOST_ENV });
  const get = (oid) => (new RegExp(`${oid.replace(/\./g, '\\.')}=(\\d+)`).exec(subject) || [])[1];
  return { innle: get('1.2.643.100.4'), ogrn: get('1.2.643.100.1') };
}

function vmHWM(pid) {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) * 1024;
}

// A page server of another origin that speaks both protocols, as a site
// posing as the portal would.
function startStranger() {
  const page = '<!doctype html><meta charset="utf-8"><title>not the portal</title><body>not the portal</body>';
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('the state services portal\'s interfaces in Chromium with the extension, the host, the agent and the demo portal', () => {
  let tmp;
  let tokens;
  let agent;
  let portal;
  let stranger;
  let context;
  let page;
  let leaderOrg;
  const figures = {};

  before(async () => {
    need(path.join(EXTENSION, 'ifc.js'), 'run `make extension`');
    tmp = tempDir();
    tokens = tokenDir(tmp.dir);
    leaderOrg = await orgOf(path.join(tokens.dir, 'leader.crt'));
    // The portal needs the agent's port only for its own websocket pages;
    // these pages use the extension.
    portal = await startPortal({ tokens });
    stranger = await startStranger();
    const strangerOrigin = `http://127.0.0.1:${stranger.address().port}`;
    agent = await startAgent({
      tmp: tmp.dir, tokens, devOrigins: [portal.url, strangerOrigin], statePortalOrigins: [portal.url],
    });
    context = await launchWithExtension(tmp.dir, agent.stateDir);
    const worker = await extensionWorker(context);
    worker.on('console', (m) => { if (process.env.ZAVERA_TEST_VERBOSE) console.error('extension:', m.text()); });
    page = await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e));
  });

  after(async () => {
    if (Object.keys(figures).length) console.log(`state portal figures: ${JSON.stringify(figures)}`);
    if (context) await context.close();
    if (agent) await agent.stop();
    if (portal) await portal.stop();
    if (stranger) stranger.close();
    if (tmp) tmp.remove();
  });

  test('«Вход через ЕСИА»: the challenge signed as an attached CMS through IFCPlugin logs in, verified by OpenSSL and the portal', async () => {
    await page.goto(`${portal.url}/esia/`);
    await page.waitForSelector('#esia-status[data-state="ready"]', { timeout: 30000 });
    const login = page.waitForRequest((r) => r.url().endsWith('/api/esia/login'));
    const challenge = page.waitForResponse((r) => r.url().endsWith('/api/esia/challenge'));
    await page.locator('#esia-certs button').filter({ hasText: 'Генеральный директор' }).first().click();
    const issued = (await (await challenge).json()).challenge;
    const { signature } = JSON.parse((await login).postData());
    await page.waitForSelector('#esia-result[data-state]', { timeout: 60000 });
    assert.match(await page.textContent('#esia-result'), /^Вход выполнен/, await page.textContent('#esia-result'));
    const content = await opensslVerify(tmp.dir, signature, null, tokens.caFile);
    assert.equal(content.toString(), issued, 'the signature holds the challenge the portal issued');
  });

  test('«Создание организации»: founding documents, one of 100 MiB, signed in chunks through gosuslugi.plugin as one batch, verified by OpenSSL and the portal', async () => {
    const small = path.join(tmp.dir, 'устав.pdf');
    fs.writeFileSync(small, pdf('Устав', 300 * 1024));
    const big = path.join(tmp.dir, 'решение.pdf');
    const fd = fs.openSync(big, 'w');
    const head = Buffer.from('%PDF-1.7\n');
    fs.writeSync(fd, head);
    let left = BIG - head.length;
    for (const b of generated(left)) { fs.writeSync(fd, b); left -= b.length; }
    fs.closeSync(fd);
    assert.equal(fs.statSync(big).size, BIG);

    await page.goto(`${portal.url}/org/create`);
    await page.waitForSelector('#org-status[data-state="ready"]', { timeout: 30000 });
    await page.evaluate(() => {
      window.zaveraSigned = null;
      window.addEventListener('message', (ev) => {
        const m = ev.data;
        if (m && m.node && m.method && m.method.type === 'signatureV2' && m.code === '200') {
          const r = JSON.parse(m.method.result);
          if (Array.isArray(r)) window.zaveraSigned = r;
        }
      });
    });
    await page.fill('[name=fullName]', 'ООО "Демонстрационная организация"');
    await page.fill('[name=inn]', leaderOrg.innle);
    await page.fill('[name=ogrn]', leaderOrg.ogrn);
    await page.fill('[name=kpp]', '773601001');
    await page.fill('[name=address]', '117997, г. Москва, ул. Вавилова, д. 19');
    await page.fill('[name=email]', 'office@demo.example');
    await page.fill('[name=phone]', '+7 495 500-55-50');
    await page.setInputFiles('[name=documents]', [small, big]);
    const leaderOption = await page.locator('#org-cert option').filter({ hasText: 'Генеральный директор' }).first().getAttribute('value');
    await page.selectOption('#org-cert', leaderOption);

    // The agent's peak memory from here on.
    fs.writeFileSync(`/proc/${agent.proc.pid}/clear_refs`, '5');
    const before = vmHWM(agent.proc.pid);
    const started = Date.now();
    await page.click('#org-submit');
    await page.waitForFunction(() => window.zaveraSigned !== null, null, { timeout: 600000 });
    figures.signSeconds = (Date.now() - started) / 1000;
    figures.agentPeakBytes = vmHWM(agent.proc.pid);
    figures.agentPeakBeforeBytes = before;
    await page.waitForSelector('#org-result[data-state="accepted"], #org-result[data-state="refused"], #org-result[data-state="error"]', { timeout: 600000 });
    assert.match(await page.textContent('#org-result'), /^Заявление принято: документов 2/, await page.textContent('#org-result'));
    const signed = await page.evaluate(() => window.zaveraSigned);
    assert.equal(signed.length, 2);
    await opensslVerify(tmp.dir, signed[0].content, small, tokens.caFile);
    await opensslVerify(tmp.dir, signed[1].content, big, tokens.caFile);
    assert.ok(figures.agentPeakBytes <= 64 * 1024 * 1024, `the agent's peak memory ${figures.agentPeakBytes} bytes is over 64 MB`);
    fs.rmSync(big);
  });

  test('gosuslugi.plugin in one message: a File the page passes and a URL of the page\'s origin are signed; a URL of another origin is not fetched', async () => {
    await page.goto(`${portal.url}/org/create`);
    await page.waitForSelector('#org-status[data-state="ready"]', { timeout: 30000 });
    const fileText = 'Протокол общего собрания учредителей № 1';
    const out = await page.evaluate(async ([text, stranger]) => {
      const gos = (type, data) => new Promise((resolve) => {
        const id = crypto.randomUUID();
        const progress = [];
        const onMsg = (ev) => {
          const m = ev.data;
          if (ev.source !== window || !m || m.id !== id || !m.node) return;
          if (m.method.type === 'progress') { progress.push(JSON.parse(m.method.result)); return; }
          window.removeEventListener('message', onMsg);
          resolve({ code: m.code, error: m.error, result: m.method.result ? JSON.parse(m.method.result) : null, progress });
        };
        window.addEventListener('message', onMsg);
        window.postMessage({ id, node: '', error: '', mode: '', module: { type: 'crypto' }, method: { type, data, result: '' },
          meta: { format: { category: 'gosuslugi.plugin' }, routes: [{ node: 'test' }] } }, window.location.origin);
      });
      const certs = await gos('certificates', '{}');
      const leader = certs.result.find((c) => (c.fields.title || '').includes('Генеральный директор'));
      const file = new File([text], 'протокол.txt', { type: 'text/plain' });
      const signed = await gos('signature', { certificate: leader.id, type: 'detached', files: [file, { contentEncoding: 'url', path: '/static/style.css', id: 'css' }] });
      const foreign = await gos('signature', JSON.stringify({ certificate: leader.id, files: [{ contentEncoding: 'url', path: `${stranger}/x.pdf`, id: 'x' }] }));
      return { signed, foreign };
    }, [fileText, `http://127.0.0.1:${stranger.address().port}`]);
    assert.equal(out.signed.code, '200', out.signed.error);
    assert.equal(out.signed.result.length, 2);
    assert.ok(out.signed.progress.length > 0, 'progress came before the answer');
    const textFile = path.join(tmp.dir, 'protocol.txt');
    fs.writeFileSync(textFile, fileText);
    await opensslVerify(tmp.dir, out.signed.result[0].content, textFile, tokens.caFile);
    const css = path.join(tmp.dir, 'style.css');
    fs.writeFileSync(css, Buffer.from(await (await fetch(`${portal.url}/static/style.css`)).arrayBuffer()));
    await opensslVerify(tmp.dir, out.signed.result[1].content, css, tokens.caFile);
    assert.equal(out.foreign.code, '403');
  });

  test('gosuslugi.plugin in chunks: a chunk only the agent finds is not base64 ends the request with the plug-in\'s 400, before anything is signed', async () => {
    await page.goto(`${portal.url}/org/create`);
    await page.waitForSelector('#org-status[data-state="ready"]', { timeout: 30000 });
    const out = await page.evaluate(async () => {
      const send = (id, type, data, chunk, chunks) => new Promise((resolve) => {
        const onMsg = (ev) => {
          const m = ev.data;
          if (ev.source !== window || !m || m.id !== id || !m.node || m.method.type === 'progress' || m.meta.chunk !== String(chunk)) return;
          window.removeEventListener('message', onMsg);
          resolve({ code: m.code, error: m.error, result: m.method.result });
        };
        window.addEventListener('message', onMsg);
        window.postMessage({ id, node: '', error: '', mode: '', module: { type: 'crypto' }, method: { type, data, result: '' },
          meta: { format: { category: 'gosuslugi.plugin' }, routes: [{ node: 'test' }], chunk: String(chunk), chunks: String(chunks) } }, window.location.origin);
      });
      const certs = await new Promise((resolve) => {
        const id = crypto.randomUUID();
        const onMsg = (ev) => {
          const m = ev.data;
          if (ev.source !== window || !m || m.id !== id || !m.node) return;
          window.removeEventListener('message', onMsg);
          resolve(JSON.parse(m.method.result));
        };
        window.addEventListener('message', onMsg);
        window.postMessage({ id, node: '', error: '', mode: '', module: { type: 'crypto' }, method: { type: 'certificates', data: '{}', result: '' },
          meta: { format: { category: 'gosuslugi.plugin' }, routes: [{ node: 'test' }] } }, window.location.origin);
      });
      const id = crypto.randomUUID();
      const n = 1 + 6;
      const answers = [await send(id, 'signature', JSON.stringify({ certificate: certs[0].id, type: 'detached', files: [{ id: 'f1', name: 'устав.pdf', size: 6 * 12 }] }), 1, n)];
      // Whole groups of four and no white space: sized by its length in
      // the extension, refused by the agent's decoder.
      for (let k = 2; k <= n && answers.at(-1).code === '200'; k++) answers.push(await send(id, 'signature', k === 3 ? 'AAAA@@@@AAAAAAAA' : btoa('0123456789ab'), k, n));
      const k = answers.length;
      const after = k < n ? await send(id, 'signature', btoa('0123456789ab'), k + 1, n) : null;
      return { answers, after };
    });
    const failed = out.answers.at(-1);
    assert.equal(failed.code, '400', JSON.stringify(out.answers));
    assert.match(failed.error, /[А-Яа-я]/, 'the error is a text for the user');
    assert.equal(failed.result, '', 'nothing was signed');
    assert.ok(out.answers.slice(0, -1).every((a) => a.code === '200' && JSON.parse(a.result).chunk !== undefined), 'no signature came before the error');
    if (out.after) assert.equal(out.after.code, '409', 'the request is over');
  });

  test('a page of another origin gets no markers, no meta tags and no answers', async () => {
    const p = await context.newPage();
    await p.goto(`http://127.0.0.1:${stranger.address().port}/`);
    const seen = await p.evaluate(async () => {
      const answers = [];
      window.addEventListener('message', (ev) => {
        const d = ev.data;
        if ((typeof d === 'string' && d.includes('FROM_IFC_EXT')) || (d && typeof d === 'object' && d.node)) answers.push(d);
      });
      window.postMessage(JSON.stringify({ type: 'TO_IFC_EXT', msg_data: { func_name: 'get_list_info', params: {} } }), '*');
      window.postMessage({
        id: 'a1', node: '', error: '', mode: '', module: { type: 'crypto' }, method: { type: 'certificates', data: '{}', result: '' },
        meta: { format: { category: 'gosuslugi.plugin' }, routes: [{ node: 'x' }] },
      }, '*');
      await new Promise((r) => setTimeout(r, 3000));
      return {
        answers,
        markers: !!(document.getElementById('ifcplugin-extension-is-installed') || document.getElementById('ifc-plugin-is-installed')),
        meta: document.querySelectorAll('meta[property^="gosuslugi.plugin"]').length,
      };
    });
    await p.close();
    assert.deepEqual(seen, { answers: [], markers: false, meta: 0 });
  });
});
