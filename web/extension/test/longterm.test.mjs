// Long-term signatures through CryptoPro's page API in Chromium: a
// loopback CA with a time-stamping authority and an OCSP responder
// (build/zavera-testpki, package testpki), a signer's key from that CA as
// the agent's software key, the agent configured with the TSA and the CA as
// trust anchor, the extension and its native host. SignCades with
// CADESCOM_CADES_X_LONG_TYPE_1 and EnhanceCades from BES to T; every
// signature checked by `zavera verify --offline` and `openssl cms -verify`.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import { launchWithExtension, need } from '../../test-support/extension.mjs';
import { DEMO_PIN, build, root, run, startAgent, tempDir, tokenDir } from '../../test-support/stack.mjs';

const PKI = path.join(build, 'zavera-testpki');
const GOST_ENV = { OPENSSL_CONF: path.join(root, 'testdata', 'openssl-gost.cnf') };


function startPages() {
  const page = '<!doctype html><meta charset="utf-8"><title>portal</title><body>portal</body>';
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// startPKI starts the loopback CA, TSA and responder and resolves with
// where they are; stop() closes its input, which ends it.
function startPKI() {
  const proc = spawn(PKI, ['-password', DEMO_PIN, '-cn', 'Смирнова Ольга'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`zavera-testpki did not start\n${err}`)), 60000);
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`zavera-testpki exited ${code}\n${err}`)); });
    proc.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      const info = JSON.parse(out.slice(0, nl));
      info.stop = async () => {
        proc.stdin.end();
        const t = setTimeout(() => proc.kill('SIGKILL'), 10000);
        await exited;
        clearTimeout(t);
      };
      resolve(info);
    });
  });
}

function exitAndOutput(cmd, args) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 || code === 1 || code === 3 ? resolve({ code, out }) : reject(new Error(`${cmd}: exit ${code}\n${err}`))));
  });
}

function pemDer(text) {
  return Buffer.from(text.replace(/^[\s\S]*?-----BEGIN [^-]+-----|-----[^-]+-----|\s/g, ''), 'base64');
}

describe('long-term signatures through the CryptoPro page API in Chromium', () => {
  let tmp;
  let pki;
  let agent;
  let pages;
  let context;
  let page;
  let thumb;

  async function check(sigB64, content) {
    const dir = fs.mkdtempSync(path.join(tmp.dir, 'verify-'));
    const sig = path.join(dir, 'sig.der');
    const doc = path.join(dir, 'doc');
    fs.writeFileSync(sig, Buffer.from(sigB64.replace(/\s/g, ''), 'base64'));
    fs.writeFileSync(doc, content);
    await run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', sig, '-content', doc,
      '-CAfile', pki.caFile, '-purpose', 'any', '-out', '/dev/null'], { env: GOST_ENV });
    // --offline: only what the signature carries. Exit 0 is PASSED, 3
    // INDETERMINATE (a signature without revocation data).
    const { code, out } = await exitAndOutput(path.join(build, 'zavera-script'),
      ['verify', '--json', '--offline', '--ca', pki.caFile, sig, doc]);
    const report = JSON.parse(out);
    report.exit = code;
    return report;
  }

  before(async () => {
    need(PKI, 'run `make e2e` (it builds build/zavera-testpki)');
    tmp = tempDir();
    const tokens = tokenDir(tmp.dir);
    pki = await startPKI();
    thumb = crypto.createHash('sha1').update(pemDer(fs.readFileSync(pki.certFile, 'utf8'))).digest('hex').toUpperCase();

    pages = await startPages();
    const origin = `http://127.0.0.1:${pages.address().port}`;
    agent = await startAgent({
      tmp: tmp.dir, tokens, devOrigins: [origin],
      prepare: (state) => {
        fs.writeFileSync(path.join(state, 'keys.json'), JSON.stringify({ keys: [{ kind: 'pkcs12', path: pki.pfx, cert: pki.certFile }] }));
        const file = path.join(state, 'config.json');
        const config = JSON.parse(fs.readFileSync(file, 'utf8'));
        Object.assign(config, { tsaURL: pki.tsa, trustAnchors: [pki.caFile] });
        fs.writeFileSync(file, JSON.stringify(config, null, 2));
      },
    });
    context = await launchWithExtension(tmp.dir, agent.stateDir);
    page = await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e));
    await page.goto(`${origin}/`);
  });

  after(async () => {
    if (context) await context.close();
    if (agent) await agent.stop();
    if (pki) await pki.stop();
    if (pages) pages.close();
    if (tmp) tmp.remove();
  });

  test('SignCades with X Long Type 1 and EnhanceCades from BES to T give signatures that zavera verify --offline and OpenSSL accept', async () => {
    const text = 'Годовая бухгалтерская отчётность';
    const r = await page.evaluate(([t, content, tsa]) => window.cadesplugin.async_spawn(function* (args) {
      const cp = window.cadesplugin;
      const store = yield cp.CreateObjectAsync('CAdESCOM.Store');
      yield store.Open(cp.CAPICOM_CURRENT_USER_STORE, cp.CAPICOM_MY_STORE, cp.CAPICOM_STORE_OPEN_MAXIMUM_ALLOWED);
      const found = yield (yield store.Certificates).Find(cp.CAPICOM_CERTIFICATE_FIND_SHA1_HASH, args[0]);
      if ((yield found.Count) !== 1) throw new Error('the key file\'s certificate is not in the Store');
      const cert = yield found.Item(1);
      yield store.Close();
      const signer = yield cp.CreateObjectAsync('CAdESCOM.CPSigner');
      yield signer.propset_Certificate(cert);
      yield signer.propset_TSAAddress(args[2]);

      const sd = yield cp.CreateObjectAsync('CAdESCOM.CadesSignedData');
      yield sd.propset_Content(args[1]);
      const xlong = yield sd.SignCades(signer, cp.CADESCOM_CADES_X_LONG_TYPE_1, true);

      const sd2 = yield cp.CreateObjectAsync('CAdESCOM.CadesSignedData');
      yield sd2.propset_Content(args[1]);
      const bes = yield sd2.SignCades(signer, cp.CADESCOM_CADES_BES, true);
      const enhanced = yield sd2.EnhanceCades(cp.CADESCOM_CADES_T, args[2]);

      const check = yield cp.CreateObjectAsync('CAdESCOM.CadesSignedData');
      yield check.propset_Content(args[1]);
      yield check.VerifyCades(enhanced, cp.CADESCOM_CADES_T, true);
      const stampTime = yield (yield (yield check.Signers).Item(1)).SignatureTimeStampTime;

      let refused = null;
      try { yield sd2.EnhanceCades(cp.CADESCOM_CADES_T, 'http://127.0.0.1:1/tsp'); } catch (e) { refused = e.message; }
      return { xlong, bes, enhanced, stampTime, refused };
    }, t, content, tsa), [thumb, text, pki.tsa]);

    const utf16 = Buffer.from(text, 'utf16le');
    const x = await check(r.xlong, utf16);
    const xs = x.signatureValidationReport[0];
    assert.equal(x.indication, 'PASSED', JSON.stringify(xs));
    assert.equal(x.exit, 0);
    assert.equal(xs.validationTimeInfo.validationTimeSource, 'timestamp');
    assert.equal(xs.signatureValidationStatus.associatedValidationReportData.revocationStatusInformation, 'good');
    assert.equal(xs.signatureValidationStatus.associatedValidationReportData.revocationOffline, true);
    assert.deepEqual(xs.timestamps.map((ts) => [ts.type, ts.indication]),
      [['signature-time-stamp', 'PASSED'], ['cades-c-time-stamp', 'PASSED']]);

    assert.notEqual(r.enhanced, r.bes);
    const e = await check(r.enhanced, utf16);
    const es = e.signatureValidationReport[0];
    assert.deepEqual(es.timestamps.map((ts) => [ts.type, ts.indication]), [['signature-time-stamp', 'PASSED']]);
    assert.equal(es.validationTimeInfo.validationTimeSource, 'timestamp');
    // CAdES-T carries no revocation data: offline it is INDETERMINATE.
    assert.equal(e.indication, 'INDETERMINATE');
    assert.equal(Date.parse(es.validationTimeInfo.bestSignatureTime.poeTime), Date.parse(r.stampTime));
    assert.ok(!Number.isNaN(Date.parse(r.stampTime)), `SignatureTimeStampTime ${r.stampTime}`);
    // The BES signature had no time-stamp; its enhanced copy does.
    const b = await check(r.bes, utf16);
    assert.equal((b.signatureValidationReport[0].timestamps || []).length, 0);
    // A TSA the page names that is not the configured one is refused
    // (no pageTSA), with CryptoPro's code for a bad parameter.
    assert.match(r.refused, /TSAAddress.*\(0x80070057\)$/);
  });
});
