// Unit tests of the page API's object model (window.cadesplugin) in Node,
// with a stand-in bridge and agent (standin.mjs): what the page's code
// sees, and what reaches the agent. The real crypto-pro package runs
// unchanged on top. The browser test (extension.test.mjs) drives the real
// extension, native host and agent.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';

import { demoCertificate, pageWithAPI, root, sha1Hex } from './standin.mjs';

const CRYPTO_PRO = path.join(root, 'web', 'node_modules', 'crypto-pro', 'dist', 'crypto-pro.js');

function standinAgent(overrides = {}) {
  const leader = demoCertificate('leader');
  const accountant = demoCertificate('accountant');
  const hashes = new Map();
  let handles = 0;
  return (method, params) => {
    if (overrides[method]) return overrides[method](params);
    switch (method) {
      case 'certificates':
        return { certificates: [
          { id: 'id-leader', certificate: leader.toString('base64') },
          { id: 'id-accountant', certificate: accountant.toString('base64') },
        ] };
      case 'sign':
        return { signature: Buffer.from(`signature over ${params.data || params.hash}`).toString('base64'), digest: '' };
      case 'hashStart': {
        const h = `h${++handles}`;
        hashes.set(h, { algorithm: params.algorithm, pieces: [] });
        return { handle: h };
      }
      case 'hashUpdate':
        hashes.get(params.handle).pieces.push(Buffer.from(params.data, 'base64'));
        return { length: 0 };
      case 'hashFinish': {
        // A stand-in digest: SHA-256 of the pieces joined, so that the test
        // can tell that every piece arrived in order.
        const { pieces } = hashes.get(params.handle);
        return { algorithm: 'Streebog-256', hash: crypto.createHash('sha256').update(Buffer.concat(pieces)).digest('base64') };
      }
      default:
        throw { code: -32601, message: 'unknown method', data: { reason: 'bad_request' } };
    }
  };
}

describe('window.cadesplugin object model (unit, stand-in agent)', () => {
  test('the global is a thenable with the official constants and async_spawn passes its arguments as one array', async () => {
    const page = pageWithAPI(standinAgent());
    const cp = page.win.cadesplugin;
    assert.equal(typeof cp.then, 'function');
    await cp;
    assert.equal(cp.CAPICOM_CURRENT_USER_STORE, 2);
    assert.equal(cp.CAPICOM_MY_STORE, 'My');
    assert.equal(cp.CAPICOM_CERTIFICATE_INCLUDE_WHOLE_CHAIN, 1);
    assert.equal(cp.CADESCOM_HASH_ALGORITHM_CP_GOST_3411_2012_512, 102);
    assert.equal(cp.CADESCOM_CADES_X_LONG_TYPE_1, 0x5d);
    assert.equal(cp.CADESCOM_PKCS7_TYPE, 0xffff);
    const got = await page.run('cadesplugin.async_spawn(function* (args) { const a = yield Promise.resolve(args[0]); return [a, args[1], args.length]; }, "x", "y")');
    assert.deepEqual([...got], ['x', 'y', 2]);
  });

  test('the personal store lists the agent\'s certificates with CryptoAPI thumbprints and names', async () => {
    const page = pageWithAPI(standinAgent());
    const r = await page.run(`(async () => {
      const store = await cadesplugin.CreateObjectAsync('CAdESCOM.Store');
      await store.Open(cadesplugin.CAPICOM_CURRENT_USER_STORE, cadesplugin.CAPICOM_MY_STORE, cadesplugin.CAPICOM_STORE_OPEN_MAXIMUM_ALLOWED);
      const certs = await store.Certificates;
      const n = await certs.Count;
      const c = await certs.Item(1);
      const found = await (await certs.Find(cadesplugin.CAPICOM_CERTIFICATE_FIND_SUBJECT_NAME, 'главный бухгалтер')).Count;
      const byHash = await certs.Find(cadesplugin.CAPICOM_CERTIFICATE_FIND_SHA1_HASH, (await c.Thumbprint).toLowerCase());
      const alg = await (await c.PublicKey()).Algorithm;
      return { n, found, byHashCount: await byHash.Count, thumb: await c.Thumbprint, subject: await c.SubjectName,
        issuer: await c.IssuerName, from: await c.ValidFromDate, key: await c.HasPrivateKey(),
        valid: await (await c.IsValid()).Result, simple: await c.GetInfo(cadesplugin.CAPICOM_CERT_INFO_SUBJECT_SIMPLE_NAME),
        export: await c.Export(0), algName: await alg.FriendlyName, algOid: await alg.Value,
        provider: await (await c.PrivateKey).ProviderType };
    })()`);
    const der = demoCertificate('leader');
    assert.equal(r.n, 2);
    assert.equal(r.found, 1);
    assert.equal(r.byHashCount, 1);
    assert.equal(r.thumb, sha1Hex(der));
    assert.match(r.thumb, /^[0-9A-F]{40}$/);
    assert.match(r.subject, /(^|, )CN=Демонстрационный Иван Петрович(, |$)/);
    assert.match(r.subject, /, O="ООО ""Демонстрационная компания""", /);
    assert.match(r.subject, /INN=009912345672/);
    assert.match(r.subject, /INNLE=0099001233/);
    assert.match(r.subject, /, C=RU$/);
    assert.match(r.issuer, /^CN=Zavera Demo CA \(GOST 2012-512\), /);
    assert.equal(r.from, new Date(new crypto.X509Certificate(der).validFrom).toISOString());
    assert.equal(r.key, true);
    assert.equal(r.valid, true);
    assert.equal(r.simple, 'Демонстрационный Иван Петрович');
    assert.equal(r.export, der.toString('base64'));
    assert.match(r.algOid, /^1\.2\.643\.7\.1\.1\.1\.[12]$/);
    assert.match(r.algName, /^ГОСТ Р 34\.10-2012 (256|512) бит$/);
    assert.ok(r.provider === 80 || r.provider === 81);
  });

  test('SignCades signs a string as UTF-16LE, base64 content as its bytes, and never sends a page\'s KeyPin', async () => {
    const page = pageWithAPI(standinAgent());
    const sigs = await page.run(`cadesplugin.async_spawn(function* () {
      const store = yield cadesplugin.CreateObjectAsync('CAdESCOM.Store');
      yield store.Open();
      const cert = yield (yield store.Certificates).Item(1);
      const signer = yield cadesplugin.CreateObjectAsync('CAdESCOM.CPSigner');
      yield signer.propset_Certificate(cert);
      yield signer.propset_KeyPin('1234');
      yield signer.propset_Options(cadesplugin.CAPICOM_CERTIFICATE_INCLUDE_WHOLE_CHAIN);
      const sd = yield cadesplugin.CreateObjectAsync('CAdESCOM.CadesSignedData');
      yield sd.propset_Content('Заявление');
      const a = yield sd.SignCades(signer, cadesplugin.CADESCOM_CADES_BES, true);
      const sd2 = yield cadesplugin.CreateObjectAsync('CAdESCOM.CadesSignedData');
      yield sd2.propset_ContentEncoding(cadesplugin.CADESCOM_BASE64_TO_BINARY);
      yield sd2.propset_Content('AAEC');
      const b = yield sd2.SignCades(signer, cadesplugin.CADESCOM_CADES_BES);
      return [a, b];
    })`);
    const signs = page.calls.filter((c) => c.method === 'sign');
    assert.equal(signs.length, 2);
    assert.equal(signs[0].params.data, Buffer.from('Заявление', 'utf16le').toString('base64'));
    assert.equal(signs[0].params.attached, false);
    assert.equal(signs[0].params.certificate, 'id-leader');
    assert.equal(signs[1].params.data, 'AAEC');
    assert.equal(signs[1].params.attached, true);
    for (const c of page.calls) assert.doesNotMatch(JSON.stringify(c.params), /1234/, 'the page\'s PIN reached the agent');
    assert.equal(sigs[0].replace(/\r\n/g, ''), Buffer.from(`signature over ${signs[0].params.data}`).toString('base64'));
    assert.ok(sigs[0].split('\r\n').every((line) => line.length <= 64));
  });

  test('CPSigner.Options chooses the certificates the signature carries, the chain without the root by default', async () => {
    const page = pageWithAPI(standinAgent());
    const err = await page.run(`cadesplugin.async_spawn(function* () {
      const store = yield cadesplugin.CreateObjectAsync('CAdESCOM.Store');
      yield store.Open();
      const cert = yield (yield store.Certificates).Item(1);
      const sign = function* (options) {
        const signer = yield cadesplugin.CreateObjectAsync('CAdESCOM.CPSigner');
        yield signer.propset_Certificate(cert);
        if (options !== undefined) yield signer.propset_Options(options);
        const sd = yield cadesplugin.CreateObjectAsync('CAdESCOM.CadesSignedData');
        yield sd.propset_Content('Заявление');
        yield sd.SignCades(signer, cadesplugin.CADESCOM_CADES_BES, true);
        const hd = yield cadesplugin.CreateObjectAsync('CAdESCOM.HashedData');
        yield hd.propset_Algorithm(cadesplugin.CADESCOM_HASH_ALGORITHM_CP_GOST_3411_2012_256);
        yield hd.SetHashValue('00'.repeat(32));
        yield sd.SignHash(hd, signer, cadesplugin.CADESCOM_CADES_BES);
      };
      yield* sign(undefined);
      yield* sign(cadesplugin.CAPICOM_CERTIFICATE_INCLUDE_CHAIN_EXCEPT_ROOT);
      yield* sign(cadesplugin.CAPICOM_CERTIFICATE_INCLUDE_WHOLE_CHAIN);
      yield* sign(cadesplugin.CAPICOM_CERTIFICATE_INCLUDE_END_ENTITY_ONLY);
      try { yield* sign(7); } catch (e) { return cadesplugin.getLastError(e); }
      return 'signed';
    })`);
    const chains = page.calls.filter((c) => c.method === 'sign').map((c) => c.params.chain);
    assert.deepEqual(chains, ['exceptRoot', 'exceptRoot', 'exceptRoot', 'exceptRoot', 'whole', 'whole', 'signer', 'signer']);
    assert.notEqual(err, 'signed', 'an unknown Options value was signed with');
  });

  test('SignedXML sends the document as UTF-8 to signXML, returns the signed text, and Verify rejects what verifyXML finds wrong', async () => {
    const xml = '<Заявление номер="17">Прошу выдать справку</Заявление>';
    let verdict = { signatureValid: true, certificateValid: true, chain: 'unchecked' };
    const page = pageWithAPI(standinAgent({
      signXML: (p) => ({ xml: Buffer.from(Buffer.from(p.xml, 'base64').toString('utf8').replace('</Заявление>', '<Signature/></Заявление>')).toString('base64'), digest: '' }),
      verifyXML: () => ({ valid: verdict.signatureValid, signers: [Object.assign({ references: [{ uri: '' }] }, verdict)] }),
    }));
    const r = await page.run(`cadesplugin.async_spawn(function* (args) {
      const cp = cadesplugin;
      const store = yield cp.CreateObjectAsync('CAdESCOM.Store');
      yield store.Open();
      const cert = yield (yield store.Certificates).Item(1);
      const signer = yield cp.CreateObjectAsync('CAdESCOM.CPSigner');
      yield signer.propset_Certificate(cert);
      const sx = yield cp.CreateObjectAsync('CAdESCOM.SignedXML');
      yield sx.propset_Content(args[0]);
      yield sx.propset_SignatureType(cp.CADESCOM_XML_SIGNATURE_TYPE_ENVELOPED);
      yield sx.propset_SignatureMethod('urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-256');
      yield sx.propset_DigestMethod('urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-256');
      const signed = yield sx.Sign(signer);
      const check = yield cp.CreateObjectAsync('CAdESCOM.SignedXML');
      yield check.Verify(signed);
      const signers = yield (yield check.Signers).Count;
      let xades = null;
      try { yield sx.propset_SignatureType(cp.CADESCOM_XADES_BES); } catch (e) { xades = e.message; }
      return { signed, signers, xades };
    }, ${JSON.stringify(xml)})`);
    const call = page.calls.find((c) => c.method === 'signXML');
    assert.equal(Buffer.from(call.params.xml, 'base64').toString('utf8'), xml);
    assert.equal(call.params.type, 'enveloped');
    assert.equal(call.params.signatureMethod, 'urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-256');
    assert.equal(call.params.digestMethod, 'urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-256');
    assert.equal(call.params.certificate, 'id-leader');
    assert.equal(call.params.chain, undefined);
    assert.equal(r.signed, '<Заявление номер="17">Прошу выдать справку<Signature/></Заявление>');
    assert.equal(r.signers, 1);
    assert.match(r.xades, /XAdES.*\(0x80004001\)$/);
    for (const [v, want] of [
      [{ signatureValid: false, reason: 'digest', certificateValid: true, chain: 'valid' }, /\(0x80091007\)$/],
      [{ signatureValid: false, reason: 'signature', certificateValid: true, chain: 'valid' }, /\(0x80090006\)$/],
      [{ signatureValid: true, certificateValid: true, chain: 'invalid' }, /\(0x800B010A\)$/],
    ]) {
      verdict = v;
      const err = await page.run(`(async () => {
        const sx = await cadesplugin.CreateObjectAsync('CAdESCOM.SignedXML');
        try { await sx.Verify('<a/>'); return null; } catch (e) { return e.message; }
      })()`);
      assert.match(String(err), want, JSON.stringify(v));
    }
  });

  test('CAdES-T, X Long Type 1 and the default type ask the agent for that level with the CPSigner\'s TSAAddress', async () => {
    const page = pageWithAPI(standinAgent({
      cosign: (p) => ({ signature: Buffer.from(`cosigned ${p.level}`).toString('base64'), digest: '' }),
      enhance: (p) => ({ signature: Buffer.from(`enhanced ${p.level} ${p.tsa || ''}`).toString('base64') }),
    }));
    const r = await page.run(`(async () => {
      const store = await cadesplugin.CreateObjectAsync('CAdESCOM.Store');
      await store.Open();
      const signer = await cadesplugin.CreateObjectAsync('CAdESCOM.CPSigner');
      await signer.propset_Certificate(await (await store.Certificates).Item(1));
      await signer.propset_TSAAddress('http://tsa.example/tsp');
      const out = [];
      for (const type of [cadesplugin.CADESCOM_CADES_T, cadesplugin.CADESCOM_CADES_X_LONG_TYPE_1, undefined, cadesplugin.CADESCOM_CADES_BES]) {
        const sd = await cadesplugin.CreateObjectAsync('CAdESCOM.CadesSignedData');
        await sd.propset_Content('x');
        out.push(await sd.SignCades(signer, type, true));
      }
      const sd = await cadesplugin.CreateObjectAsync('CAdESCOM.CadesSignedData');
      await sd.propset_Content('x');
      await sd.SignCades(signer, cadesplugin.CADESCOM_CADES_BES);
      out.push(await sd.CoSignCades(signer, cadesplugin.CADESCOM_CADES_T));
      out.push(await sd.EnhanceCades(cadesplugin.CADESCOM_CADES_X_LONG_TYPE_1, 'http://other.example/tsp'));
      out.push(await sd.EnhanceCades(cadesplugin.CADESCOM_CADES_T));
      let bes = null;
      try { await sd.EnhanceCades(cadesplugin.CADESCOM_CADES_BES); } catch (e) { bes = e.message; }
      return { out, bes };
    })()`);
    const signs = page.calls.filter((c) => c.method === 'sign');
    assert.deepEqual(signs.map((c) => [c.params.level, c.params.tsa]),
      [['T', 'http://tsa.example/tsp'], ['XLT1', 'http://tsa.example/tsp'], ['XLT1', 'http://tsa.example/tsp'], [undefined, undefined], [undefined, undefined]]);
    const cosign = page.calls.find((c) => c.method === 'cosign');
    assert.equal(cosign.params.level, 'T');
    assert.equal(cosign.params.tsa, 'http://tsa.example/tsp');
    const enhances = page.calls.filter((c) => c.method === 'enhance');
    assert.deepEqual(enhances.map((c) => [c.params.level, c.params.tsa]), [['XLT1', 'http://other.example/tsp'], ['T', undefined]]);
    // The enhanced signature is the one the object holds next.
    assert.equal(enhances[1].params.signature, Buffer.from('enhanced XLT1 http://other.example/tsp').toString('base64'));
    assert.equal(Buffer.from(r.out[6].replace(/\r\n/g, ''), 'base64').toString(), 'enhanced T ');
    assert.match(r.bes, /\(0x80070057\)$/);
  });

  test('a time-stamping authority the agent cannot reach rejects with CryptoPro\'s network error', async () => {
    const page = pageWithAPI(standinAgent({
      sign: () => { throw { code: 1011, message: 'unavailable', data: { reason: 'unavailable' } }; },
    }));
    const msg = await page.run(`(async () => {
      const store = await cadesplugin.CreateObjectAsync('CAdESCOM.Store');
      await store.Open();
      const signer = await cadesplugin.CreateObjectAsync('CAdESCOM.CPSigner');
      await signer.propset_Certificate(await (await store.Certificates).Item(1));
      const sd = await cadesplugin.CreateObjectAsync('CAdESCOM.CadesSignedData');
      await sd.propset_Content('x');
      try { await sd.SignCades(signer, cadesplugin.CADESCOM_CADES_T); return null; } catch (e) { return e.message; }
    })()`);
    assert.match(msg, /^Не удалось получить штамп времени.*\(0x80072EFD\)$/);
  });

  test('an agent refusal rejects with the CryptoPro-style Russian message and code', async () => {
    const page = pageWithAPI(standinAgent({
      sign: () => { throw { code: 1001, message: 'cancelled', data: { reason: 'cancelled' } }; },
    }));
    const msg = await page.run(`(async () => {
      const store = await cadesplugin.CreateObjectAsync('CAdESCOM.Store');
      await store.Open();
      const signer = await cadesplugin.CreateObjectAsync('CAdESCOM.CPSigner');
      await signer.propset_Certificate(await (await store.Certificates).Item(1));
      const sd = await cadesplugin.CreateObjectAsync('CAdESCOM.CadesSignedData');
      await sd.propset_Content('x');
      try { await sd.SignCades(signer, cadesplugin.CADESCOM_CADES_BES); } catch (e) {
        return [e.message, cadesplugin.getLastError(e)];
      }
    })()`);
    assert.equal(msg[0], 'Действие было отменено пользователем. (0x8010006E)');
    assert.equal(msg[1], msg[0]);
  });

  test('HashedData hashes in pieces through the agent, in order, and gives upper-case hex', async () => {
    const page = pageWithAPI(standinAgent());
    const value = await page.run(`(async () => {
      const h = await cadesplugin.CreateObjectAsync('CAdESCOM.HashedData');
      await h.propset_Algorithm(cadesplugin.CADESCOM_HASH_ALGORITHM_CP_GOST_3411_2012_256);
      await h.propset_DataEncoding(cadesplugin.CADESCOM_BASE64_TO_BINARY);
      h.Hash('AAEC'); h.Hash('AwQF');
      await h.Hash('BgcI');
      return h.Value;
    })()`);
    assert.equal(value, crypto.createHash('sha256').update(Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8])).digest('hex').toUpperCase());
    assert.deepEqual(page.calls.map((c) => c.method), ['hashStart', 'hashUpdate', 'hashUpdate', 'hashUpdate', 'hashFinish']);
  });

  test('HashedData sends a piece over a message\'s size to the agent in pieces of at most 1 MiB, in order', async () => {
    const page = pageWithAPI(standinAgent());
    const big = crypto.randomBytes((5 << 20) + 3);
    const value = await page.run(`(async () => {
      const h = await cadesplugin.CreateObjectAsync('CAdESCOM.HashedData');
      await h.propset_Algorithm(cadesplugin.CADESCOM_HASH_ALGORITHM_CP_GOST_3411_2012_256);
      await h.propset_DataEncoding(cadesplugin.CADESCOM_BASE64_TO_BINARY);
      h.Hash('${big.toString('base64')}');
      await h.Hash('AAEC');
      return h.Value;
    })()`);
    assert.equal(value, crypto.createHash('sha256').update(Buffer.concat([big, Buffer.from([0, 1, 2])])).digest('hex').toUpperCase());
    const updates = page.calls.filter((c) => c.method === 'hashUpdate').map((c) => Buffer.from(c.params.data, 'base64').length);
    assert.deepEqual(updates, [1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20, 3, 3]);
  });

  test('RawSignature returns the agent\'s raw signature reversed and in hex, as CryptoPro gives it', async () => {
    const raw = Buffer.from(Array.from({ length: 64 }, (_, i) => i));
    const page = pageWithAPI(standinAgent({ signHash: () => ({ signature: raw.toString('base64') }) }));
    const out = await page.run(`(async () => {
      const store = await cadesplugin.CreateObjectAsync('CAdESCOM.Store');
      await store.Open();
      const cert = await (await store.Certificates).Item(1);
      const h = await cadesplugin.CreateObjectAsync('CAdESCOM.HashedData');
      await h.propset_Algorithm(cadesplugin.CADESCOM_HASH_ALGORITHM_CP_GOST_3411_2012_256);
      await h.SetHashValue('${'AB'.repeat(32)}');
      const rs = await cadesplugin.CreateObjectAsync('CAdESCOM.RawSignature');
      return rs.SignHash(h, cert);
    })()`);
    assert.equal(out, Buffer.from(raw).reverse().toString('hex').toUpperCase());
    const call = page.calls.find((c) => c.method === 'signHash');
    assert.equal(Buffer.from(call.params.hash, 'base64').toString('hex'), 'ab'.repeat(32));
    assert.equal(call.params.certificate, 'id-leader');
  });

  test('VerifyCades rejects what the agent finds invalid, and fills Signers and Content from what it finds', async () => {
    const leader = demoCertificate('leader').toString('base64');
    const signer = (ok) => ({
      certificate: leader, signingTime: '2026-12-07T09:12:44Z', signatureValid: ok, certificateValid: true, chain: 'unchecked',
      checks: [{ name: 'message-digest', outcome: ok ? 'passed' : 'failed' }],
    });
    let good = true;
    const page = pageWithAPI(standinAgent({
      verify: () => ({ valid: false, content: Buffer.from('Привет', 'utf16le').toString('base64'), signers: [signer(good)] }),
    }));
    const run = () => page.run(`(async () => {
      const sd = await cadesplugin.CreateObjectAsync('CAdESCOM.CadesSignedData');
      try {
        await sd.VerifyCades('MIIB', cadesplugin.CADESCOM_CADES_BES);
      } catch (e) { return { error: e.message }; }
      const s = await (await sd.Signers).Item(1);
      return { content: await sd.Content, time: await s.SigningTime, thumb: await (await s.Certificate).Thumbprint,
        valid: await (await s.SignatureStatus).IsValid };
    })()`);
    const ok = await run();
    assert.deepEqual({ ...ok }, { content: 'Привет', time: '2026-12-07T09:12:44.000Z', thumb: sha1Hex(demoCertificate('leader')), valid: true });
    good = false;
    const bad = await run();
    assert.equal(bad.error, 'Значение хеша неправильно. (0x80091007)');
  });

  test('the crypto-pro package runs unchanged: certificates, attached and detached signatures, hash, system info', async () => {
    const page = pageWithAPI(standinAgent());
    page.load(CRYPTO_PRO);
    const der = demoCertificate('leader');
    const thumb = sha1Hex(der);
    const certs = await page.run('cryptoPro.getUserCertificates()');
    assert.deepEqual(Array.from(certs, (c) => c.thumbprint).sort(), [thumb, sha1Hex(demoCertificate('accountant'))].sort());
    const leader = certs.find((c) => c.thumbprint === thumb);
    assert.equal(leader.name, 'Демонстрационный Иван Петрович');
    const owner = await page.run(`cryptoPro.getUserCertificates().then((l) => l.find((c) => c.thumbprint === '${thumb}').getOwnerInfo())`);
    assert.ok(owner.some((e) => e.title === 'ИНН' && e.description === '009912345672'), JSON.stringify(owner));

    const attached = await page.run(`cryptoPro.createAttachedSignature('${thumb}', 'Привет')`);
    const sign = page.calls.filter((c) => c.method === 'sign').at(-1);
    assert.equal(sign.params.data, Buffer.from('Привет').toString('base64'));
    assert.equal(sign.params.attached, true);
    assert.equal(attached.replace(/\s/g, ''), Buffer.from(`signature over ${sign.params.data}`).toString('base64'));

    const hash = await page.run('cryptoPro.createHash("Привет")');
    assert.match(hash, /^[0-9A-F]{64}$/);
    await page.run(`cryptoPro.createDetachedSignature('${thumb}', '${hash}')`);
    const signHash = page.calls.filter((c) => c.method === 'sign').at(-1);
    assert.equal(Buffer.from(signHash.params.hash, 'base64').toString('hex').toUpperCase(), hash);

    const info = await page.run('cryptoPro.getSystemInfo()');
    assert.match(info.cadesVersion, /^2\.0\.\d{5}$/);
    assert.equal(await page.run('cryptoPro.isValidSystemSetup()'), true);
  });

  test('the page API reaches the bridge whichever of the two scripts the browser runs first', async () => {
    for (const bridgeFirst of [false, true]) {
      const page = pageWithAPI(standinAgent(), { bridgeFirst });
      const n = await page.run(`(async () => {
        const store = await cadesplugin.CreateObjectAsync('CAdESCOM.Store');
        await store.Open();
        return (await store.Certificates).Count;
      })()`);
      assert.equal(n, 2, `bridge first: ${bridgeFirst}`);
      assert.deepEqual(page.calls.map((c) => c.method), ['certificates'], `bridge first: ${bridgeFirst}`);
    }
  });

  test('the bridge takes only the first hello, and only calls with its token as JSON text', async () => {
    const page = pageWithAPI(standinAgent());
    const answers = page.listen('zavera-bridge-answer');
    // A script of the page announces a token of its own, after the page API
    // did at document start, and asks the bridge to announce itself again.
    page.dispatch('zavera-page-hello', '0'.repeat(32));
    page.dispatch('zavera-bridge-ready');
    page.dispatch('zavera-page-hello', '1'.repeat(32));
    for (const t of ['0', '1']) {
      page.dispatch('zavera-page-call', JSON.stringify({ token: t.repeat(32), id: 97, method: 'certificates', params: {} }));
    }
    page.dispatch('zavera-page-call', JSON.stringify({ id: 98, method: 'certificates', params: {} }));
    page.dispatch('zavera-page-call', { token: '0'.repeat(32), id: 99, method: 'certificates', params: {} });
    page.dispatch('zavera-page-call', '{"token":');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(page.calls.length, 0);
    assert.equal(answers.length, 0);
    // The page API's own token still works, and its answer is JSON text.
    const n = await page.run(`(async () => {
      const store = await cadesplugin.CreateObjectAsync('CAdESCOM.Store');
      await store.Open();
      return (await store.Certificates).Count;
    })()`);
    assert.equal(n, 2);
    assert.equal(page.calls.length, 1);
    assert.equal(answers.length, 1);
    assert.equal(typeof answers[0], 'string');
    assert.match(JSON.parse(answers[0]).token, /^[0-9a-f]{32}$/);
    assert.notEqual(JSON.parse(answers[0]).token, '0'.repeat(32));
  });

  test('the bridge refuses a method it does not relay, and the page API takes no answer without its token', async () => {
    const page = pageWithAPI(standinAgent());
    const calls = page.listen('zavera-page-call');
    const answers = page.listen('zavera-bridge-answer');
    await page.run('cadesplugin.CreateObjectAsync("CAdESCOM.Store").then((s) => s.Open())');
    const { token } = JSON.parse(calls[0]);
    page.dispatch('zavera-page-call', JSON.stringify({ token, id: 5000, method: 'pair', params: {} }));
    assert.equal(answers.length, 2, 'the refusal is answered at once, in the same dispatch');
    const refusal = JSON.parse(answers[1]);
    assert.equal(refusal.id, 5000);
    assert.equal(refusal.error.data.reason, 'bad_request');
    assert.deepEqual(page.calls.map((c) => c.method), ['certificates']);

    // An answer with another token does not settle the page API's call:
    // the agent's answer, held back until the forged one went, does.
    let release;
    const held = new Promise((r) => { release = r; });
    const slow = pageWithAPI(standinAgent({ certificates: () => held.then(() => standinAgent()('certificates')) }));
    const slowCalls = slow.listen('zavera-page-call');
    const settled = slow.run(`cadesplugin.CreateObjectAsync('CAdESCOM.Store').then((s) => s.Open()).then(() => 'opened', (e) => e.message)`);
    while (slowCalls.length === 0) await new Promise((r) => setImmediate(r));
    const call = JSON.parse(slowCalls[0]);
    slow.dispatch('zavera-bridge-answer', JSON.stringify({ token: 'f'.repeat(32), id: call.id, error: { code: 1, message: 'forged' } }));
    slow.dispatch('zavera-bridge-answer', { token: call.token, id: call.id, error: { code: 1, message: 'forged' } });
    release();
    assert.equal(await settled, 'opened');
  });
});
