// CPSigner, CPAttribute, CadesSignedData and RawSignature over the agent's
// sign, cosign, verify, enhance and signHash. The agent makes CAdES-BES with
// its own signed attributes (signing time, signing certificate), and CAdES-T
// or X Long Type 1 when the type asks (the CPSigner's TSAAddress goes to the
// agent, which decides whether a page may name its TSA); what the page sets
// as attributes names and describes the document in Zavera's window. A
// page's KeyPin is never used: the PIN is typed in Zavera's window.

const DEFAULT_DESCRIPTION = 'Подпись документа по запросу сайта';

function attributeObject() {
  const impl = { kind: 'Attribute', name: 0, value: undefined, oid: '1.2.840.113549.1.9.5', encoding: 0 };
  const oids = { 0: '1.2.840.113549.1.9.5', 1: '1.2.643.2.45.1.1.1', 2: '1.2.643.2.45.1.1.2' };
  return makeObject(impl, {
    props: {
      Name: { get: () => impl.name, set: (v) => { impl.name = num(v, 0); impl.oid = oids[impl.name] || impl.oid; } },
      Value: { get: () => impl.value, set: (v) => { impl.value = v; } },
      OID: { get: () => impl.oid, set: (v) => { impl.oid = String(v); } },
      ValueEncoding: { get: () => impl.encoding, set: (v) => { impl.encoding = num(v, 0); } },
    },
  });
}

function attributesObject(list) {
  return makeObject({ kind: 'Attributes', list }, {
    props: { Count: { get: () => list.length } },
    methods: {
      Add(attr) { list.push(implOf(attr, 'Attribute')); },
      Item(i) {
        const n = num(i, 0);
        if (!Number.isInteger(n) || n < 1 || n > list.length) throw cadesError('badData');
        return list[n - 1].object || attributeFrom(list[n - 1]);
      },
      Remove(i) {
        const n = num(i, 0);
        if (!Number.isInteger(n) || n < 1 || n > list.length) throw cadesError('badData');
        list.splice(n - 1, 1);
      },
      Clear() { list.length = 0; },
    },
  });
}

function attributeFrom(a) {
  const o = attributeObject();
  const impl = implOf(o);
  Object.assign(impl, { name: a.name, value: a.value, oid: a.oid, encoding: a.encoding });
  return o;
}

function signerObject() {
  const impl = {
    kind: 'Signer', cert: null, options: 0, tsa: '', check: false, auth: [], unauth: [],
    signingTime: null, status: null, timestamp: null,
  };
  return makeObject(impl, {
    props: {
      Certificate: {
        get: () => {
          if (!impl.cert) throw cadesError('noSigner');
          return certificateObject(impl.cert);
        },
        set: (v) => { impl.cert = implOf(v, 'Certificate').record; },
      },
      Options: { get: () => impl.options, set: (v) => { impl.options = num(v, 0); } },
      TSAAddress: { get: () => impl.tsa, set: (v) => { impl.tsa = String(v); } },
      CheckCertificate: { get: () => impl.check, set: (v) => { impl.check = Boolean(v); } },
      AuthenticatedAttributes2: { get: () => attributesObject(impl.auth) },
      UnauthenticatedAttributes: { get: () => attributesObject(impl.unauth) },
      KeyPin: { get: () => '', set: () => { /* the PIN is typed in Zavera's window only */ } },
      SigningTime: { get: () => impl.signingTime },
      SignatureTimeStampTime: {
        get: () => {
          if (!impl.timestamp) throw cadesError('noTimestamp');
          return impl.timestamp;
        },
      },
      SignatureStatus: {
        get: () => makeObject({ kind: 'SignatureStatus' }, { props: { IsValid: { get: () => Boolean(impl.status) } } }),
      },
    },
  });
}

// signatureType gives the agent's level for the CAdES type asked: BES and
// PKCS#7 are CAdES-BES; T is CAdES-T; X Long Type 1 and the default (as in
// CryptoPro) are CAdES-X Long Type 1. Anything else is refused.
function signatureType(type) {
  const t = num(type, 0);
  if (t === 1 || t === 0xffff) return 'BES';
  if (t === 5) return 'T';
  if (t === 0 || t === 0x5d) return 'XLT1';
  throw cadesError('badData');
}

// withLevel adds the level and, for a long-term one, the CPSigner's
// TSAAddress to the agent's parameters. The agent refuses a page's TSA
// unless its configuration allows one; it never silently makes a lower
// level.
function withLevel(params, level, signerImpl) {
  if (level === 'BES') return params;
  params.level = level;
  if (signerImpl && signerImpl.tsa) params.tsa = signerImpl.tsa;
  return params;
}

// tsaRefusal says why the agent refused a call that named a TSA with
// invalid parameters: its configuration does not let pages choose one.
function tsaRefusal(params) {
  return (e) => {
    if (params.tsa && e && e.agentCode === -32602) throw cadesError('tsaRefused');
    throw e;
  };
}

// CHAIN_OPTIONS maps CPSigner.Options (CAPICOM_CERTIFICATE_INCLUDE_*) to
// the agent's chain member: CHAIN_EXCEPT_ROOT (0, the plug-in's default),
// WHOLE_CHAIN (1), END_ENTITY_ONLY (2).
const CHAIN_OPTIONS = { 0: 'exceptRoot', 1: 'whole', 2: 'signer' };

function chainOption(options) {
  const chain = CHAIN_OPTIONS[num(options, 0)];
  if (!chain) throw cadesError('badData');
  return chain;
}

// signerRequest gives the agent's certificate id and the description and
// document name the page set as attributes, and for a CPSigner the
// certificates the signature carries (its Options).
async function signerRequest(signerImpl) {
  const rec = signerImpl.cert;
  if (!rec) throw cadesError('noSigner');
  let id = rec.agentId;
  if (!id) {
    const found = (await agentCertificates()).find((c) => c.info.thumbprint === rec.info.thumbprint);
    if (!found) throw cadesError('certificateNotFound');
    id = found.agentId;
  }
  const params = { certificate: id, description: DEFAULT_DESCRIPTION };
  if (signerImpl.kind === 'Signer') params.chain = chainOption(signerImpl.options);
  for (const a of signerImpl.auth) {
    if (a.value === undefined || a.value === null) continue;
    if (a.name === 1) params.name = String(a.value).slice(0, 255);
    if (a.name === 2 && String(a.value).trim()) params.description = String(a.value).slice(0, 1000);
  }
  return params;
}

// wrap64 writes base64 in lines of 64 characters ending in CRLF, as
// CAPICOM's base64 output is.
function wrap64(b64) {
  return b64.replace(/(.{64})/g, '$1\r\n').replace(/\r\n$/, '') + '\r\n';
}

function encodeOutput(b64, encoding) {
  const e = num(encoding, 0);
  if (e === 1) return String.fromCharCode.apply(null, b64decode(b64));
  return wrap64(b64);
}

function signedDataObject() {
  const impl = {
    kind: 'SignedData', encoding: 0, content: '', display: 0,
    message: null, detached: false, signers: [], certificates: [],
  };
  const contentBytes = () => (impl.encoding === 1 ? b64decode(impl.content) : utf16le(impl.content));
  const hashParams = (hashed) => {
    const h = implOf(hashed, 'HashedData');
    return h.value().then((hex) => ({ hash: b64encode(hexDecode(hex)) }));
  };

  // checkVerified turns the agent's verification into the plug-in's
  // outcome: a signer whose signature, certificate or chain fails rejects.
  function checkVerified(res, hashOnly) {
    impl.signers = [];
    impl.certificates = [];
    for (const s of res.signers || []) {
      let record = null;
      if (s.certificate) {
        try {
          record = { info: parseCertificate(b64decode(s.certificate)), agentId: null };
        } catch (_) { record = null; }
      }
      if (record) impl.certificates.push(record);
      const so = signerObject();
      const si = implOf(so);
      si.cert = record;
      si.signingTime = s.signingTime ? new Date(s.signingTime).toISOString() : null;
      si.status = s.signatureValid && s.certificateValid && s.chain !== 'invalid' && (!s.revocation || s.revocation.status !== 'revoked');
      const ts = (s.timestamps || []).find((t) => t.type === 'signature-time-stamp' && t.indication === 'PASSED');
      si.timestamp = ts ? new Date(ts.time).toISOString() : null;
      impl.signers.push(so);
    }
    if (!res.signers || res.signers.length === 0) throw cadesError('badSignature');
    for (const s of res.signers) {
      if (!s.signatureValid) {
        const md = (s.checks || []).find((c) => c.name === 'message-digest');
        throw cadesError(md && md.outcome === 'failed' && !hashOnly ? 'badHash' : 'badSignature');
      }
      if (!s.certificateValid) throw cadesError('badCertificate');
      if (s.revocation && s.revocation.status === 'revoked') throw cadesError('revoked');
      if (s.chain === 'invalid') throw cadesError('badChain');
    }
  }

  return makeObject(impl, {
    props: {
      ContentEncoding: { get: () => impl.encoding, set: (v) => { impl.encoding = num(v, 0); } },
      Content: { get: () => impl.content, set: (v) => { impl.content = v === undefined || v === null ? '' : String(v); } },
      DisplayData: { get: () => impl.display, set: (v) => { impl.display = num(v, 0); } },
      Signers: { get: () => collectionObject(impl.signers, 'Signers') },
      Certificates: { get: () => certificatesObject(impl.certificates) },
    },
    methods: {
      async SignCades(signer, type, detached, encoding) {
        const s = implOf(signer, 'Signer');
        const level = signatureType(type);
        const params = withLevel(await signerRequest(s), level, s);
        const data = contentBytes();
        params.attached = !detached;
        if (params.name) params.size = data.length;
        const res = await callWithInputs('sign', params, { data }).catch(tsaRefusal(params));
        impl.message = res.signature;
        impl.detached = Boolean(detached);
        return encodeOutput(res.signature, encoding);
      },
      async SignHash(hashed, signer, type, encoding) {
        const s = implOf(signer, 'Signer');
        const level = signatureType(type);
        const params = withLevel(Object.assign(await signerRequest(s), await hashParams(hashed)), level, s);
        const res = await agentCall('sign', params).catch(tsaRefusal(params));
        impl.message = res.signature;
        impl.detached = true;
        return encodeOutput(res.signature, encoding);
      },
      async CoSignCades(signer, type, encoding) {
        const s = implOf(signer, 'Signer');
        const level = signatureType(type);
        if (!impl.message) throw cadesError('badData', 'Нет подписи для добавления подписи: вызовите VerifyCades.');
        const params = withLevel(await signerRequest(s), level, s);
        const res = await callWithInputs('cosign', params,
          { signature: impl.message, data: impl.detached ? contentBytes() : undefined }).catch(tsaRefusal(params));
        impl.message = res.signature;
        return encodeOutput(res.signature, encoding);
      },
      async CoSignHash(hashed, signer, type, encoding) {
        const s = implOf(signer, 'Signer');
        const level = signatureType(type);
        if (!impl.message) throw cadesError('badData', 'Нет подписи для добавления подписи: вызовите VerifyHash.');
        const params = withLevel(Object.assign(await signerRequest(s), await hashParams(hashed)), level, s);
        const res = await callWithInputs('cosign', params, { signature: impl.message }).catch(tsaRefusal(params));
        impl.message = res.signature;
        return encodeOutput(res.signature, encoding);
      },
      async VerifyCades(message, type, detached) {
        signatureType(type === undefined ? 1 : type);
        const raw = b64decode(message);
        const sig = b64encode(raw);
        const res = await callWithInputs('verify', {},
          { signature: sig, data: detached ? contentBytes() : undefined, digest: signatureDigest(raw) });
        impl.message = sig;
        impl.detached = Boolean(detached);
        // The agent returns no content for an uploaded signature: it is
        // read from the signature here.
        const content = !detached && typeof res.content !== 'string' && res.signers ? attachedContent(raw) : null;
        if (content) res.content = b64encode(content);
        if (!detached && typeof res.content === 'string') {
          const bytes = b64decode(res.content);
          if (impl.encoding === 1) impl.content = res.content;
          else {
            let s = '';
            for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode(bytes[i] | (bytes[i + 1] << 8));
            impl.content = s;
          }
        }
        checkVerified(res, false);
      },
      async VerifyHash(hashed, message, type) {
        signatureType(type === undefined ? 1 : type);
        const sig = b64encode(b64decode(message));
        const res = await callWithInputs('verify', await hashParams(hashed), { signature: sig });
        impl.message = sig;
        impl.detached = true;
        checkVerified(res, true);
      },
      // EnhanceCades makes the signature this object holds (from
      // SignCades, CoSignCades or VerifyCades) CAdES-T or X Long Type 1
      // through the agent's enhance; TSAAddress goes to the agent as a
      // CPSigner's does.
      async EnhanceCades(type, tsaAddress, encoding) {
        const level = signatureType(type);
        if (level === 'BES') throw cadesError('badData');
        if (!impl.message) throw cadesError('badData', 'Нет подписи для усовершенствования: вызовите SignCades или VerifyCades.');
        const params = withLevel({}, level, { tsa: tsaAddress === undefined || tsaAddress === null ? '' : String(tsaAddress) });
        const res = await callWithInputs('enhance', params, { signature: impl.message }).catch(tsaRefusal(params));
        impl.message = res.signature;
        return encodeOutput(res.signature, encoding);
      },
    },
  });
}

// rawSignatureObject: CryptoPro's RawSignature gives the GOST signature
// reversed and in hex; the agent gives BE(s)||BE(r).
function rawSignatureObject() {
  return makeObject({ kind: 'RawSignature' }, {
    methods: {
      async SignHash(hashed, certificate) {
        const h = implOf(hashed, 'HashedData');
        const cert = implOf(certificate, 'Certificate');
        const signer = { cert: cert.record, auth: [] };
        const params = await signerRequest(signer);
        params.hash = b64encode(hexDecode(await h.value()));
        const res = await agentCall('signHash', params);
        return hexUpper(b64decode(res.signature).reverse());
      },
      VerifyHash() { throw cadesError('notImplemented', 'RawSignature.VerifyHash'); },
    },
  });
}
