// The extension end to end in Firefox: Debian's firefox-esr, headless,
// with a fresh profile, driven over Marionette (marionette.mjs); the
// unpacked build/extension/firefox installed as a temporary add-on (no
// signature needed), its native messaging host registered in the fake
// HOME's ~/.mozilla/native-messaging-hosts/, and the real agent on the GOST
// test token. A page gets window.cadesplugin, lists the certificates and
// makes a signature that OpenSSL verifies.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import { build, root, run, startAgent, tempDir, tokenDir } from '../../test-support/stack.mjs';
import { launchFirefox } from './marionette.mjs';

const IDS = JSON.parse(fs.readFileSync(path.join(root, 'web', 'extension', 'ids.json'), 'utf8'));
const EXTENSION = path.join(build, 'extension', 'firefox');
const HOST = path.join(build, 'zavera-host');
const GOST_ENV = { OPENSSL_CONF: path.join(root, 'testdata', 'openssl-gost.cnf') };

function need(file, how) {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: ${how}`);
  return file;
}

function pemDer(file) {
  return Buffer.from(fs.readFileSync(file, 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64');
}

describe('the extension in Firefox ESR with the native host and the agent', () => {
  let tmp;
  let tokens;
  let agent;
  let pages;
  let origin;
  let ff;

  before(async () => {
    need(path.join(EXTENSION, 'manifest.json'), 'run `make extension`');
    need(HOST, 'run `make build/zavera-host`');
    tmp = tempDir();
    tokens = tokenDir(tmp.dir);
    pages = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><meta charset="utf-8"><title>portal</title><body>portal</body>');
    });
    await new Promise((resolve) => pages.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${pages.address().port}`;
    agent = await startAgent({ tmp: tmp.dir, tokens, devOrigins: [origin] });
    const xdg = path.join(tmp.dir, 'xdg-config');
    fs.mkdirSync(path.join(xdg, 'zavera'), { recursive: true });
    fs.writeFileSync(path.join(xdg, 'zavera', 'config.json'), JSON.stringify({ stateDir: agent.stateDir }));
    const bin = path.join(tmp.dir, 'bin');
    fs.mkdirSync(bin);
    fs.copyFileSync(HOST, path.join(bin, 'zavera-host'));
    fs.chmodSync(path.join(bin, 'zavera-host'), 0o755);
    fs.symlinkSync(path.join(build, 'zavera-script'), path.join(bin, 'zavera'));
    // Firefox finds the host's manifest in ~/.mozilla/native-messaging-hosts/.
    const home = path.join(tmp.dir, 'home');
    const hosts = path.join(home, '.mozilla', 'native-messaging-hosts');
    fs.mkdirSync(hosts, { recursive: true });
    fs.writeFileSync(path.join(hosts, `${IDS.host}.json`), JSON.stringify({
      name: IDS.host, description: 'Zavera', path: path.join(bin, 'zavera-host'), type: 'stdio',
      allowed_extensions: [IDS.firefox],
    }));
    ff = await launchFirefox(tmp.dir, { HOME: home, XDG_CONFIG_HOME: xdg });
    const id = await ff.send('Addon:Install', { path: EXTENSION, temporary: true });
    assert.equal(id.value, IDS.firefox);
  });

  after(async () => {
    if (ff) await ff.close();
    if (agent) await agent.stop();
    if (pages) pages.close();
    if (tmp) tmp.remove();
  });

  test('a page gets window.cadesplugin, lists the certificates and signs; OpenSSL verifies the signature', async () => {
    await ff.send('WebDriver:Navigate', { url: `${origin}/` });
    const script = `const done = arguments[arguments.length - 1];
      const cp = window.wrappedJSObject ? window.wrappedJSObject.cadesplugin : window.cadesplugin;
      if (!cp) { done({ error: 'no window.cadesplugin' }); return; }
      cp.async_spawn(function* () {
        const store = yield cp.CreateObjectAsync('CAdESCOM.Store');
        yield store.Open(cp.CAPICOM_CURRENT_USER_STORE, cp.CAPICOM_MY_STORE, cp.CAPICOM_STORE_OPEN_MAXIMUM_ALLOWED);
        const certs = yield store.Certificates;
        const n = yield certs.Count;
        const thumbs = [];
        for (let i = 1; i <= n; i++) thumbs.push(yield (yield certs.Item(i)).Thumbprint);
        const signer = yield cp.CreateObjectAsync('CAdESCOM.CPSigner');
        yield signer.propset_Certificate(yield certs.Item(1));
        const sd = yield cp.CreateObjectAsync('CAdESCOM.CadesSignedData');
        yield sd.propset_Content('Подписано в Firefox');
        const signature = yield sd.SignCades(signer, cp.CADESCOM_CADES_BES, true);
        return { thumbs, signature };
      }).then((r) => done(r), (e) => done({ error: String(e && e.message || e) }));`;
    const r = (await ff.send('WebDriver:ExecuteAsyncScript', { script, args: [], scriptTimeout: 60000 })).value;
    assert.ok(!r.error, `${r.error}\n${ff.log()}`);
    const want = ['leader', 'accountant'].map((n) => crypto.createHash('sha1').update(pemDer(path.join(tokens.dir, `${n}.crt`))).digest('hex').toUpperCase());
    assert.deepEqual([...r.thumbs].sort(), want.sort());
    const dir = fs.mkdtempSync(path.join(tmp.dir, 'ff-'));
    fs.writeFileSync(path.join(dir, 'sig.der'), Buffer.from(r.signature.replace(/\s/g, ''), 'base64'));
    fs.writeFileSync(path.join(dir, 'doc'), Buffer.from('Подписано в Firefox', 'utf16le'));
    await run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', path.join(dir, 'sig.der'), '-content', path.join(dir, 'doc'),
      '-CAfile', tokens.caFile, '-purpose', 'any', '-out', '/dev/null'], { env: GOST_ENV });
    // The origin the agent approved is the page's, as Firefox gave it.
    assert.ok(fs.readFileSync(path.join(agent.stateDir, 'approvals.json'), 'utf8').includes(origin));
  });
});
