// CAdESCOM.SignedXML over the agent's signXML and verifyXML: GOST XML
// signatures (XMLDSig with CryptoPro's GOST 2012 identifiers) as SMEV
// pages make them. Content is the XML text, sent to the agent as UTF-8;
// the signed document comes back as text. XAdES types are not served.

const XML_TYPES = { 0: 'enveloped', 1: 'enveloping', 2: 'template' };

function xmlType(type) {
  const t = num(type, 0);
  if (XML_TYPES[t]) return XML_TYPES[t];
  if (t & 0xf0) throw cadesError('notImplemented', 'XAdES');
  throw cadesError('badData');
}

function utf8Bytes(text) {
  return new TextEncoder().encode(String(text));
}

function utf8Text(bytes) {
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

function signedXMLObject() {
  const impl = { kind: 'SignedXML', content: '', type: 0, digestMethod: '', signatureMethod: '', signers: [] };
  return makeObject(impl, {
    props: {
      Content: { get: () => impl.content, set: (v) => { impl.content = v === undefined || v === null ? '' : String(v); } },
      SignatureType: { get: () => impl.type, set: (v) => { xmlType(v); impl.type = num(v, 0); } },
      DigestMethod: { get: () => impl.digestMethod, set: (v) => { impl.digestMethod = v ? String(v) : ''; } },
      SignatureMethod: { get: () => impl.signatureMethod, set: (v) => { impl.signatureMethod = v ? String(v) : ''; } },
      Signers: { get: () => collectionObject(impl.signers, 'Signers') },
    },
    methods: {
      // Sign(signer[, XPath]): the XPath of a template's signature is not
      // needed, the agent fills the first empty Signature.
      async Sign(signer) {
        const s = implOf(signer, 'Signer');
        if (!impl.content) throw cadesError('badData', 'Не задано содержимое XML-документа.');
        const params = await signerRequest(s);
        delete params.chain; // an XML signature carries the signer's certificate only
        params.xml = b64encode(utf8Bytes(impl.content));
        params.type = xmlType(impl.type);
        if (impl.signatureMethod) params.signatureMethod = impl.signatureMethod;
        if (impl.digestMethod) params.digestMethod = impl.digestMethod;
        const res = await agentCall('signXML', params);
        return utf8Text(b64decode(res.xml));
      },
      async Verify(xml) {
        const text = xml === undefined || xml === null ? impl.content : String(xml);
        const res = await agentCall('verifyXML', { xml: b64encode(utf8Bytes(text)) });
        impl.signers = [];
        for (const v of res.signers || []) {
          const so = signerObject();
          const si = implOf(so);
          if (v.certificate) {
            try {
              si.cert = { info: parseCertificate(b64decode(v.certificate)), agentId: null };
            } catch (_) { si.cert = null; }
          }
          si.status = v.signatureValid && v.certificateValid && v.chain !== 'invalid';
          impl.signers.push(so);
        }
        for (const v of res.signers || []) {
          if (!v.signatureValid) {
            if (v.reason === 'digest') throw cadesError('badHash');
            if (v.reason === 'unsupported') throw cadesError('notImplemented', 'алгоритм или преобразование подписи XML');
            throw cadesError('badSignature');
          }
          if (!v.certificateValid) throw cadesError('badCertificate');
          if (v.chain === 'invalid') throw cadesError('badChain');
        }
      },
    },
  });
}
