// A software key through the extension's CryptoPro interface in Chromium:
// a GOST PKCS#12 file that OpenSSL's engine wrote is in the agent's list
// of keys (keys.json in its state folder) before the agent starts, beside
// the demo tokens. A page finds its certificate in CAdESCOM.Store and
// signs with SignCades; the test prompter types the file's password in
// the agent's password window, and OpenSSL verifies the signature. The
// stack is extension.test.mjs's: the built extension, its native host,
// the real agent (build/zavera-script).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import { launchWithExtension } from '../../test-support/extension.mjs';
import { DEMO_PIN, root, run, startAgent, tempDir, tokenDir } from '../../test-support/stack.mjs';

const CRYPTO_PRO = path.join(root, 'web', 'node_modules', 'crypto-pro', 'dist', 'crypto-pro.js');
const GOST_ENV = { OPENSSL_CONF: path.join(root, 'testdata', 'openssl-gost.cnf') };


function startPages() {
  const page = '<!doctype html><meta charset="utf-8"><title>portal</title><script src="/crypto-pro.js"></script><body>portal</body>';
  const server = http.createServer((req, res) => {
    if (req.url === '/crypto-pro.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(fs.readFileSync(CRYPTO_PRO));
    } else {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page);
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function pemDer(text) {
  return Buffer.from(text.replace(/^[\s\S]*?-----BEGIN [^-]+-----|-----[^-]+-----|\s/g, ''), 'base64');
}

describe('a PKCS#12 software key through the extension in Chromium', () => {
  let tmp;
  let agent;
  let pages;
  let context;
  let page;
  let certFile;
  let thumb;

  before(async () => {
    tmp = tempDir();
    const tokens = tokenDir(tmp.dir);
    // The key file, made by OpenSSL's GOST engine, with the password the
    // test prompter types.
    const keys = path.join(tmp.dir, 'keys');
    fs.mkdirSync(keys);
    const keyFile = path.join(keys, 'key.pem');
    certFile = path.join(keys, 'cert.pem');
    const pfx = path.join(keys, 'sokolova.pfx');
    await run('openssl', ['genpkey', '-algorithm', 'gost2012_256', '-pkeyopt', 'paramset:A', '-out', keyFile], { env: GOST_ENV });
    await run('openssl', ['req', '-new', '-x509', '-key', keyFile, '-days', '30', '-utf8', '-subj', '/CN=Соколова Анна (файл ключа)',
      '-out', certFile], { env: GOST_ENV });
    await run('openssl', ['pkcs12', '-export', '-inkey', keyFile, '-in', certFile, '-keypbe', 'gost89', '-certpbe', 'gost89',
      '-macalg', 'md_gost12_256', '-passout', `pass:${DEMO_PIN}`, '-out', pfx], { env: GOST_ENV });
    fs.rmSync(keyFile);
    thumb = crypto.createHash('sha1').update(pemDer(fs.readFileSync(certFile, 'utf8'))).digest('hex').toUpperCase();

    pages = await startPages();
    const origin = `http://127.0.0.1:${pages.address().port}`;
    // The list of keys as `zavera keys add` leaves it: the file and the
    // certificate copied out of it.
    agent = await startAgent({
      tmp: tmp.dir, tokens, devOrigins: [origin],
      prepare: (state) => fs.writeFileSync(path.join(state, 'keys.json'),
        JSON.stringify({ keys: [{ kind: 'pkcs12', path: pfx, cert: certFile }] })),
    });
    context = await launchWithExtension(tmp.dir, agent.stateDir);
    page = await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e));
    await page.goto(`${origin}/`);
  });

  after(async () => {
    if (context) await context.close();
    if (agent) await agent.stop();
    if (pages) pages.close();
    if (tmp) tmp.remove();
  });

  test('the key file\'s certificate is in the Store beside the tokens\', and SignCades with it verifies with OpenSSL', async () => {
    const text = 'Заявление, подписанное ключом из файла';
    const r = await page.evaluate(([t, content]) => window.cadesplugin.async_spawn(function* (args) {
      const cp = window.cadesplugin;
      const store = yield cp.CreateObjectAsync('CAdESCOM.Store');
      yield store.Open(cp.CAPICOM_CURRENT_USER_STORE, cp.CAPICOM_MY_STORE, cp.CAPICOM_STORE_OPEN_MAXIMUM_ALLOWED);
      const all = yield store.Certificates;
      const count = yield all.Count;
      const found = yield all.Find(cp.CAPICOM_CERTIFICATE_FIND_SHA1_HASH, args[0]);
      if ((yield found.Count) !== 1) throw new Error('the key file\'s certificate is not in the Store');
      const cert = yield found.Item(1);
      const subject = yield cert.SubjectName;
      const hasKey = yield cert.HasPrivateKey();
      yield store.Close();
      const signer = yield cp.CreateObjectAsync('CAdESCOM.CPSigner');
      yield signer.propset_Certificate(cert);
      const sd = yield cp.CreateObjectAsync('CAdESCOM.CadesSignedData');
      yield sd.propset_Content(args[1]);
      const detached = yield sd.SignCades(signer, cp.CADESCOM_CADES_BES, true);
      return { count, subject, hasKey, detached };
    }, t, content), [thumb, text]);

    assert.ok(r.count > 1, `the Store has ${r.count} certificates: the demo tokens' are missing`);
    assert.match(r.subject, /Соколова Анна/);
    assert.equal(r.hasKey, true);
    const dir = fs.mkdtempSync(path.join(tmp.dir, 'verify-'));
    const sig = path.join(dir, 'sig.der');
    const doc = path.join(dir, 'doc');
    fs.writeFileSync(sig, Buffer.from(r.detached.replace(/\s/g, ''), 'base64'));
    fs.writeFileSync(doc, Buffer.from(text, 'utf16le'));
    await run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', sig, '-content', doc,
      '-CAfile', certFile, '-purpose', 'any', '-out', '/dev/null'], { env: GOST_ENV });
  });
});
