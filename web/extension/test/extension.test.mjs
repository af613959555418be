// The extension end to end in Chromium: the built extension
// (build/extension/chromium) loaded into headless Chromium, its native
// messaging host (build/zavera-host) registered in the profile, the real
// agent (build/zavera-script, approving test prompter) on the GOST test
// token with the demo certificates. Pages use window.cadesplugin as
// CryptoPro's plug-in: the crypto-pro package unchanged, and CryptoPro's
// documented sample flow in async_spawn style. Every signature is checked
// by OpenSSL with the GOST engine and by `zavera verify`.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import { extensionWorker, IDS, launchWithExtension } from '../../test-support/extension.mjs';
import { build, root, run, startAgent, tempDir, tokenDir } from '../../test-support/stack.mjs';

const CRYPTO_PRO = path.join(root, 'web', 'node_modules', 'crypto-pro', 'dist', 'crypto-pro.js');
const GOST_ENV = { OPENSSL_CONF: path.join(root, 'testdata', 'openssl-gost.cnf') };


// A page server on a free loopback port: the test page loads crypto-pro
// from it, as a portal loads its own copy.
function startPages(frameUrl = '') {
  const frame = frameUrl ? `<iframe src="${frameUrl}/"></iframe>` : '';
  const page = `<!doctype html><meta charset="utf-8"><title>portal</title><script src="/crypto-pro.js"></script><body>portal${frame}</body>`;
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

async function opensslVerifyCMS(dir, sigB64, content, caFile) {
  const sig = path.join(dir, `sig-${crypto.randomUUID()}.der`);
  fs.writeFileSync(sig, Buffer.from(sigB64.replace(/\s/g, ''), 'base64'));
  const args = ['cms', '-verify', '-binary', '-inform', 'DER', '-in', sig, '-CAfile', caFile, '-purpose', 'any', '-out', '/dev/null'];
  if (content) {
    const doc = `${sig}.doc`;
    fs.writeFileSync(doc, content);
    args.push('-content', doc);
  }
  return run('openssl', args, { env: GOST_ENV });
}

async function zaveraVerify(dir, sigB64, content, caFile) {
  const sig = path.join(dir, `sig-${crypto.randomUUID()}.b64`);
  fs.writeFileSync(sig, sigB64.replace(/\s/g, ''));
  // The demo certificates name no OCSP responder or CRL: revocation is not
  // what these tests check.
  const args = ['verify', '--json', '--no-revocation', '--ca', caFile, sig];
  if (content) {
    fs.writeFileSync(`${sig}.doc`, content);
    args.push(`${sig}.doc`);
  }
  // The report has the shape of ETSI TS 119 102-2's (docs/verification.md);
  // `valid` is its overall indication PASSED, with the CA as anchor.
  const report = JSON.parse(await run(path.join(build, 'zavera-script'), args));
  return { valid: report.indication === 'PASSED', signers: report.signatureValidationReport, report };
}

async function streebog256Hex(buf) {
  const out = await run('openssl', ['dgst', '-md_gost12_256', '-r'], { env: GOST_ENV, input: buf });
  return out.split(/\s/)[0].toUpperCase();
}

function sha1Hex(der) {
  return crypto.createHash('sha1').update(der).digest('hex').toUpperCase();
}

function pemDer(file) {
  return pemDer2(fs.readFileSync(file, 'utf8'));
}

function pemDer2(text) {
  return Buffer.from(text.replace(/^[\s\S]*?-----BEGIN [^-]+-----|-----[^-]+-----|\s/g, ''), 'base64');
}

describe('the extension in Chromium with the native host and the agent', () => {
  let tmp;
  let tokens;
  let agent;
  let pages;
  let framed;
  let stranger;
  let origin;
  let framedOrigin;
  let strangerOrigin;
  let context;
  let page;
  let leaderThumb;

  before(async () => {
    tmp = tempDir();
    tokens = tokenDir(tmp.dir);
    // The portal embeds a frame of another origin; a third origin is not
    // one the agent accepts (http and not a development origin).
    framed = await startPages();
    framedOrigin = `http://127.0.0.1:${framed.address().port}`;
    pages = await startPages(framedOrigin);
    origin = `http://127.0.0.1:${pages.address().port}`;
    stranger = await startPages();
    strangerOrigin = `http://localhost:${stranger.address().port}`;
    // The origins are development origins: not approved at first, so the
    // extension pairs them (the test prompter approves).
    agent = await startAgent({ tmp: tmp.dir, tokens, devOrigins: [origin, framedOrigin] });
    context = await launchWithExtension(tmp.dir, agent.stateDir);
    const worker = await extensionWorker(context);
    worker.on('console', (m) => { if (process.env.ZAVERA_TEST_VERBOSE) console.error('extension:', m.text()); });
    page = await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e));
    await page.goto(`${origin}/`);
    leaderThumb = sha1Hex(pemDer(path.join(tokens.dir, 'leader.crt')));
  });

  after(async () => {
    if (context) await context.close();
    if (agent) await agent.stop();
    for (const s of [pages, framed, stranger]) if (s) s.close();
    if (tmp) tmp.remove();
  });

  test('the extension has the ID its key fixes, and defines window.cadesplugin before the page\'s scripts', async () => {
    const worker = await extensionWorker(context);
    assert.equal(new URL(worker.url()).host, IDS.chromium);
    // crypto-pro's own loader returned early: the object is the extension's.
    assert.equal(await page.evaluate(() => typeof window.cadesplugin.CreateObjectAsync), 'function');
    assert.equal(await page.evaluate(() => window.cadesplugin.JSModuleVersion), '2.4.2');
  });

  test('crypto-pro lists the token\'s certificates and reports the system', async () => {
    const certs = await page.evaluate(() => window.cryptoPro.getUserCertificates(true)
      .then((l) => l.map((c) => ({ name: c.name, thumbprint: c.thumbprint, validTo: c.validTo }))));
    const want = ['leader', 'accountant'].map((n) => sha1Hex(pemDer(path.join(tokens.dir, `${n}.crt`))));
    assert.deepEqual(certs.map((c) => c.thumbprint).sort(), want.sort());
    assert.ok(certs.some((c) => c.name === 'Демонстрационный Иван Петрович'), JSON.stringify(certs));
    const info = await page.evaluate(() => window.cryptoPro.getSystemInfo());
    assert.match(info.cadesVersion, /^2\.0\.\d+$/);
    assert.equal(await page.evaluate(() => window.cryptoPro.isValidSystemSetup()), true);
    // The origin the agent approved and journaled is the page's, as the browser gave it.
    const approvals = fs.readFileSync(path.join(agent.stateDir, 'approvals.json'), 'utf8');
    assert.ok(approvals.includes(origin), approvals);
  });

  test('crypto-pro\'s attached signature verifies with OpenSSL and zavera verify', async () => {
    const text = 'Заявление о выдаче справки';
    const sig = await page.evaluate(([t, m]) => window.cryptoPro.createAttachedSignature(t, m), [leaderThumb, text]);
    await opensslVerifyCMS(tmp.dir, sig, null, tokens.caFile);
    const v = await zaveraVerify(tmp.dir, sig, null, tokens.caFile);
    assert.equal(v.valid, true, JSON.stringify(v));
    const journal = fs.readFileSync(path.join(agent.stateDir, 'journal.log'), 'utf8');
    assert.ok(journal.includes(`"origin":"${origin}"`), 'the signature is journaled under the page\'s origin');
  });

  test('crypto-pro\'s hash (in the agent, in pieces) and detached signature over it verify over the document', async () => {
    const text = 'Договор поставки № 17';
    const hash = await page.evaluate((m) => window.cryptoPro.createHash(m), text);
    assert.equal(hash, await streebog256Hex(Buffer.from(text)));
    const sig = await page.evaluate(([t, h]) => window.cryptoPro.createDetachedSignature(t, h), [leaderThumb, hash]);
    await opensslVerifyCMS(tmp.dir, sig, Buffer.from(text), tokens.caFile);
    const v = await zaveraVerify(tmp.dir, sig, Buffer.from(text), tokens.caFile);
    assert.equal(v.valid, true, JSON.stringify(v));
  });

  test('CryptoPro\'s sample flow in async_spawn style: Store, Find, CPSigner, SignCades, SignHash, VerifyCades, CoSignCades', async () => {
    const text = 'Текст для подписи';
    const r = await page.evaluate(([thumb, content]) => window.cadesplugin.async_spawn(function* (args) {
      const cp = window.cadesplugin;
      const store = yield cp.CreateObjectAsync('CAdESCOM.Store');
      yield store.Open(cp.CAPICOM_CURRENT_USER_STORE, cp.CAPICOM_MY_STORE, cp.CAPICOM_STORE_OPEN_MAXIMUM_ALLOWED);
      const all = yield store.Certificates;
      const found = yield all.Find(cp.CAPICOM_CERTIFICATE_FIND_SHA1_HASH, args[0]);
      if ((yield found.Count) === 0) throw new Error('certificate not found');
      const cert = yield found.Item(1);
      const other = yield (yield all.Find(cp.CAPICOM_CERTIFICATE_FIND_SUBJECT_NAME, 'Главный бухгалтер')).Item(1);
      yield store.Close();

      const signer = yield cp.CreateObjectAsync('CAdESCOM.CPSigner');
      yield signer.propset_Certificate(cert);
      yield signer.propset_CheckCertificate(true);
      yield signer.propset_KeyPin('00000000');
      const attr = yield cp.CreateObjectAsync('CADESCOM.CPAttribute');
      yield attr.propset_Name(cp.CADESCOM_AUTHENTICATED_ATTRIBUTE_DOCUMENT_NAME);
      yield attr.propset_Value('текст.txt');
      yield (yield signer.AuthenticatedAttributes2).Add(attr);

      const sd = yield cp.CreateObjectAsync('CAdESCOM.CadesSignedData');
      yield sd.propset_Content(args[1]);
      const detached = yield sd.SignCades(signer, cp.CADESCOM_CADES_BES, true);

      const sd2 = yield cp.CreateObjectAsync('CAdESCOM.CadesSignedData');
      yield sd2.propset_ContentEncoding(cp.CADESCOM_BASE64_TO_BINARY);
      yield sd2.propset_Content(btoa('attached'));
      const attached = yield sd2.SignCades(signer, cp.CADESCOM_CADES_BES, false);

      const hd = yield cp.CreateObjectAsync('CAdESCOM.HashedData');
      yield hd.propset_Algorithm(cp.CADESCOM_HASH_ALGORITHM_CP_GOST_3411_2012_256);
      yield hd.propset_DataEncoding(cp.CADESCOM_BASE64_TO_BINARY);
      yield hd.Hash(btoa('hash '));
      yield hd.Hash(btoa('in pieces'));
      const hashSig = yield sd.SignHash(hd, signer, cp.CADESCOM_CADES_BES);

      const check = yield cp.CreateObjectAsync('CAdESCOM.CadesSignedData');
      yield check.propset_ContentEncoding(cp.CADESCOM_BASE64_TO_BINARY);
      yield check.VerifyCades(attached, cp.CADESCOM_CADES_BES);
      const checkedContent = yield check.Content;
      const signers = yield check.Signers;
      const first = yield signers.Item(1);
      const signerThumb = yield (yield first.Certificate).Thumbprint;
      let tampered = null;
      const bad = yield cp.CreateObjectAsync('CAdESCOM.CadesSignedData');
      yield bad.propset_Content('другой текст');
      try { yield bad.VerifyCades(detached, cp.CADESCOM_CADES_BES, true); } catch (e) { tampered = e.message; }

      const signer2 = yield cp.CreateObjectAsync('CAdESCOM.CPSigner');
      yield signer2.propset_Certificate(other);
      const cosigned = yield check.CoSignCades(signer2, cp.CADESCOM_CADES_BES);

      let longTerm = null;
      try { yield sd.SignCades(signer, cp.CADESCOM_CADES_X_LONG_TYPE_1, true); } catch (e) { longTerm = e.message; }
      return { detached, attached, hashSig, checkedContent, signerThumb, tampered, cosigned, longTerm };
    }, thumb, content), [leaderThumb, text]);

    const utf16 = Buffer.from(text, 'utf16le');
    await opensslVerifyCMS(tmp.dir, r.detached, utf16, tokens.caFile);
    await opensslVerifyCMS(tmp.dir, r.attached, null, tokens.caFile);
    await opensslVerifyCMS(tmp.dir, r.hashSig, Buffer.from('hash in pieces'), tokens.caFile);
    await opensslVerifyCMS(tmp.dir, r.cosigned, null, tokens.caFile);
    assert.equal((await zaveraVerify(tmp.dir, r.detached, utf16, tokens.caFile)).valid, true);
    assert.equal((await zaveraVerify(tmp.dir, r.hashSig, Buffer.from('hash in pieces'), tokens.caFile)).valid, true);
    const co = await zaveraVerify(tmp.dir, r.cosigned, null, tokens.caFile);
    assert.equal(co.valid, true, JSON.stringify(co));
    assert.equal(co.signers.length, 2);
    assert.equal(r.checkedContent, Buffer.from('attached').toString('base64'));
    assert.equal(r.signerThumb, leaderThumb);
    assert.match(r.tampered, /[а-я].*\(0x[0-9A-F]{8}\)$/);
    // This agent has no time-stamping authority configured: X Long Type 1
    // is refused before the prompt, never made as a lower level
    // (longterm.test.mjs signs it with one).
    assert.match(r.longTerm, /^Неправильный параметр\. \(0x80070057\)$/);
  });

  test('CPSigner.Options: WHOLE_CHAIN carries the CA from the agent\'s CA folder, END_ENTITY_ONLY and the default (the root left out) only the signer', async () => {
    fs.mkdirSync(path.join(agent.stateDir, 'ca'), { recursive: true });
    fs.copyFileSync(tokens.caFile, path.join(agent.stateDir, 'ca', 'demo-ca.crt'));
    const sigs = await page.evaluate((thumb) => window.cadesplugin.async_spawn(function* (args) {
      const cp = window.cadesplugin;
      const store = yield cp.CreateObjectAsync('CAdESCOM.Store');
      yield store.Open(cp.CAPICOM_CURRENT_USER_STORE, cp.CAPICOM_MY_STORE, cp.CAPICOM_STORE_OPEN_MAXIMUM_ALLOWED);
      const cert = yield (yield (yield store.Certificates).Find(cp.CAPICOM_CERTIFICATE_FIND_SHA1_HASH, args[0])).Item(1);
      const out = [];
      for (const options of [cp.CAPICOM_CERTIFICATE_INCLUDE_WHOLE_CHAIN, cp.CAPICOM_CERTIFICATE_INCLUDE_END_ENTITY_ONLY, undefined]) {
        const signer = yield cp.CreateObjectAsync('CAdESCOM.CPSigner');
        yield signer.propset_Certificate(cert);
        if (options !== undefined) yield signer.propset_Options(options);
        const sd = yield cp.CreateObjectAsync('CAdESCOM.CadesSignedData');
        yield sd.propset_Content('цепочка');
        out.push(yield sd.SignCades(signer, cp.CADESCOM_CADES_BES, true));
      }
      return out;
    }, thumb), leaderThumb);
    const content = Buffer.from('цепочка', 'utf16le');
    const caDer = pemDer(tokens.caFile);
    const counts = [];
    for (const sig of sigs) {
      await opensslVerifyCMS(tmp.dir, sig, content, tokens.caFile);
      const file = path.join(tmp.dir, `chain-${crypto.randomUUID()}.der`);
      fs.writeFileSync(file, Buffer.from(sig.replace(/\s/g, ''), 'base64'));
      const pems = await run('openssl', ['pkcs7', '-inform', 'DER', '-in', file, '-print_certs'], { env: GOST_ENV });
      const ders = pems.split('-----END CERTIFICATE-----').filter((b) => b.includes('BEGIN')).map((b) => pemDer2(b));
      counts.push([ders.length, ders.some((d) => d.equals(caDer))]);
    }
    assert.deepEqual(counts, [[2, true], [1, false], [1, false]]);
  });

  test('CAdESCOM.SignedXML: an enveloped GOST signature checked by libxml2 and OpenSSL, and by Verify', async () => {
    const xml = '<?xml version="1.0" encoding="UTF-8"?>\n<req:Запрос xmlns:req="urn://example/zapros" номер="17"><req:Текст>Прошу выдать справку</req:Текст></req:Запрос>';
    const r = await page.evaluate(([thumb, content]) => window.cadesplugin.async_spawn(function* (args) {
      const cp = window.cadesplugin;
      const store = yield cp.CreateObjectAsync('CAdESCOM.Store');
      yield store.Open(cp.CAPICOM_CURRENT_USER_STORE, cp.CAPICOM_MY_STORE, cp.CAPICOM_STORE_OPEN_MAXIMUM_ALLOWED);
      const cert = yield (yield (yield store.Certificates).Find(cp.CAPICOM_CERTIFICATE_FIND_SHA1_HASH, args[0])).Item(1);
      const signer = yield cp.CreateObjectAsync('CAdESCOM.CPSigner');
      yield signer.propset_Certificate(cert);
      const sx = yield cp.CreateObjectAsync('CAdESCOM.SignedXML');
      yield sx.propset_Content(args[1]);
      yield sx.propset_SignatureType(cp.CADESCOM_XML_SIGNATURE_TYPE_ENVELOPED);
      yield sx.propset_SignatureMethod(cp.XmlDsigGost3410Url2012256);
      yield sx.propset_DigestMethod(cp.XmlDsigGost3411Url2012256);
      const signed = yield sx.Sign(signer);
      const check = yield cp.CreateObjectAsync('CAdESCOM.SignedXML');
      yield check.Verify(signed);
      let tampered = null;
      try { yield check.Verify(signed.replace('справку', 'справки')); } catch (e) { tampered = e.message; }
      return { signed, tampered, signers: yield (yield check.Signers).Count };
    }, thumb, content), [leaderThumb, xml]);
    assert.ok(r.signed.startsWith(xml.slice(0, -'</req:Запрос>'.length)), r.signed);
    assert.equal(r.signers, 1);
    assert.match(r.tampered, /\(0x80091007\)$/);
    // The document without its signature, canonicalized by libxml2 and
    // hashed by OpenSSL, is the DigestValue; the SignedInfo, canonicalized
    // by libxml2, verifies with OpenSSL under the leader's key.
    const field = (name) => Buffer.from(r.signed.match(new RegExp(`<${name}>([^<]*)</${name}>`))[1], 'base64');
    const unsigned = r.signed.replace(/<Signature xmlns=[\s\S]*<\/Signature>/, '');
    const digest = await run('openssl', ['dgst', '-md_gost12_256', '-r'], { env: GOST_ENV, input: await run('xmllint', ['--exc-c14n', '-'], { input: unsigned }) });
    assert.equal(digest.split(/\s/)[0], field('DigestValue').toString('hex'));
    const si = r.signed.match(/<SignedInfo>[\s\S]*<\/SignedInfo>/)[0].replace('<SignedInfo>', '<SignedInfo xmlns="http://www.w3.org/2000/09/xmldsig#">');
    const dir = fs.mkdtempSync(path.join(tmp.dir, 'xml-'));
    fs.writeFileSync(path.join(dir, 'si'), await run('xmllint', ['--exc-c14n', '-'], { input: si }));
    fs.writeFileSync(path.join(dir, 'sig'), field('SignatureValue'));
    fs.writeFileSync(path.join(dir, 'cert.der'), field('X509Certificate'));
    assert.ok(field('X509Certificate').equals(pemDer(path.join(tokens.dir, 'leader.crt'))));
    await run('openssl', ['x509', '-inform', 'DER', '-in', path.join(dir, 'cert.der'), '-pubkey', '-noout', '-out', path.join(dir, 'pub.pem')], { env: GOST_ENV });
    await run('openssl', ['dgst', '-md_gost12_256', '-verify', path.join(dir, 'pub.pem'), '-signature', path.join(dir, 'sig'), path.join(dir, 'si')], { env: GOST_ENV });
  });

  test('contents and signatures over a message\'s size go as uploads: SignCades, VerifyCades and CoSignCades of 3 MiB', async () => {
    const doc = crypto.randomBytes(3 << 20);
    const r = await page.evaluate(([thumb, b64]) => window.cadesplugin.async_spawn(function* (args) {
      const cp = window.cadesplugin;
      const store = yield cp.CreateObjectAsync('CAdESCOM.Store');
      yield store.Open();
      const all = yield store.Certificates;
      const cert = yield (yield all.Find(cp.CAPICOM_CERTIFICATE_FIND_SHA1_HASH, args[0])).Item(1);
      const other = yield (yield all.Find(cp.CAPICOM_CERTIFICATE_FIND_SUBJECT_NAME, 'Главный бухгалтер')).Item(1);
      const signer = yield cp.CreateObjectAsync('CAdESCOM.CPSigner');
      yield signer.propset_Certificate(cert);
      const sd = yield cp.CreateObjectAsync('CAdESCOM.CadesSignedData');
      yield sd.propset_ContentEncoding(cp.CADESCOM_BASE64_TO_BINARY);
      yield sd.propset_Content(args[1]);
      const detached = yield sd.SignCades(signer, cp.CADESCOM_CADES_BES, true);
      const attached = yield sd.SignCades(signer, cp.CADESCOM_CADES_BES, false);

      const check = yield cp.CreateObjectAsync('CAdESCOM.CadesSignedData');
      yield check.propset_ContentEncoding(cp.CADESCOM_BASE64_TO_BINARY);
      yield check.VerifyCades(attached, cp.CADESCOM_CADES_BES);
      const sameContent = (yield check.Content) === args[1];
      const signer2 = yield cp.CreateObjectAsync('CAdESCOM.CPSigner');
      yield signer2.propset_Certificate(other);
      const cosigned = yield check.CoSignCades(signer2, cp.CADESCOM_CADES_BES);

      const det = yield cp.CreateObjectAsync('CAdESCOM.CadesSignedData');
      yield det.propset_ContentEncoding(cp.CADESCOM_BASE64_TO_BINARY);
      yield det.propset_Content(args[1]);
      yield det.VerifyCades(detached, cp.CADESCOM_CADES_BES, true);
      let tampered = null;
      const bad = yield cp.CreateObjectAsync('CAdESCOM.CadesSignedData');
      yield bad.propset_ContentEncoding(cp.CADESCOM_BASE64_TO_BINARY);
      yield bad.propset_Content('QQ' + args[1].slice(2));
      try { yield bad.VerifyCades(detached, cp.CADESCOM_CADES_BES, true); } catch (e) { tampered = e.message; }
      return { detached, attached, cosigned, sameContent, tampered };
    }, thumb, b64), [leaderThumb, doc.toString('base64')]);
    await opensslVerifyCMS(tmp.dir, r.detached, doc, tokens.caFile);
    await opensslVerifyCMS(tmp.dir, r.attached, null, tokens.caFile);
    await opensslVerifyCMS(tmp.dir, r.cosigned, null, tokens.caFile);
    const co = await zaveraVerify(tmp.dir, r.cosigned, null, tokens.caFile);
    assert.equal(co.valid, true, JSON.stringify(co));
    assert.equal(co.signers.length, 2);
    assert.equal(r.sameContent, true, 'VerifyCades of an uploaded signature gives its content');
    assert.match(r.tampered || '', /\(0x[0-9A-F]{8}\)$/);
  });

  test('a frame of another origin signs under its own origin, as the browser names it', async () => {
    const frame = page.frames().find((f) => f.url().startsWith(framedOrigin));
    assert.ok(frame, 'the portal\'s frame loaded');
    await frame.waitForFunction(() => window.cryptoPro);
    const sig = await frame.evaluate((t) => window.cryptoPro.createAttachedSignature(t, 'из фрейма'), leaderThumb);
    await opensslVerifyCMS(tmp.dir, sig, null, tokens.caFile);
    const records = fs.readFileSync(path.join(agent.stateDir, 'journal.log'), 'utf8').split('\n')
      .filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).filter((r) => r.event === 'signature');
    assert.equal(records.at(-1).origin, framedOrigin);
    assert.ok(records.every((r) => r.origin === origin || r.origin === framedOrigin));
  });

  test('an origin the agent does not accept gets CryptoPro\'s refusal, in Russian with its code', async () => {
    const p = await context.newPage();
    try {
      await p.goto(`${strangerOrigin}/`);
      const msg = await p.evaluate(async () => {
        const store = await window.cadesplugin.CreateObjectAsync('CAdESCOM.Store');
        try {
          await store.Open();
          return null;
        } catch (e) {
          return e.message;
        }
      });
      assert.equal(msg, 'Доступ сайта к электронной подписи не разрешён пользователем. (0x000004C7)');
    } finally {
      await p.close();
    }
  });

  test('a frame cannot post calls in the portal\'s name, even knowing the portal\'s channel token', async () => {
    const frame = page.frames().find((f) => f.url().startsWith(framedOrigin));
    // The portal's token, as a script of the portal could read it, and the
    // agent's id of a certificate, so that the forged request would sign.
    const { token, cert } = await page.evaluate(() => new Promise((resolve) => {
      let token = null;
      const onCall = (ev) => { token = JSON.parse(ev.detail).token; };
      window.addEventListener('zavera-page-call', onCall);
      window.addEventListener('zavera-bridge-answer', function grab(ev) {
        const d = JSON.parse(ev.detail);
        if (d.result && d.result.certificates) {
          window.removeEventListener('zavera-page-call', onCall);
          window.removeEventListener('zavera-bridge-answer', grab);
          resolve({ token, cert: d.result.certificates[0].id });
        }
      });
      window.cadesplugin.CreateObjectAsync('CAdESCOM.Store').then((s) => s.Open());
    }));
    assert.match(token, /^[0-9a-f]{32}$/);
    // The frame tries to raise the channel's event on the portal's window,
    // and posts the request as a window message too.
    const tried = await frame.evaluate(({ token, cert }) => {
      const params = { certificate: cert, description: 'подделка из фрейма', data: btoa('forged') };
      const detail = JSON.stringify({ token, id: 4242, method: 'sign', params });
      window.parent.postMessage({ zavera: 'zavera-page', kind: 'call', token, id: 4242, method: 'sign', params }, '*');
      try {
        window.parent.dispatchEvent(new CustomEvent('zavera-page-call', { detail }));
        return 'dispatched';
      } catch (e) {
        return e.name;
      }
    }, { token, cert });
    assert.equal(tried, 'SecurityError');
    // Then the portal signs for itself; the forged request, had it been
    // taken, would have been answered and journaled first (one prompt at a
    // time per origin).
    const sig = await page.evaluate((t) => window.cryptoPro.createAttachedSignature(t, 'после подделки'), leaderThumb);
    await opensslVerifyCMS(tmp.dir, sig, null, tokens.caFile);
    const journal = fs.readFileSync(path.join(agent.stateDir, 'journal.log'), 'utf8');
    assert.ok(!journal.includes('подделка из фрейма'), 'the forged request reached the agent');
  });
});
