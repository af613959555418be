// Large inputs: the agent takes messages of at most 1.5 MiB (control data
// and one chunk), so a content or a signature over INLINE_MAX bytes goes
// to it as an upload (documentOpen, documentChunk; docs/protocol.md) and
// is named by its id: `document` for a content, `signatureDocument` for a
// signature (an upload the agent keeps whole). Uploads are cancelled once
// the call they serve has ended.

const INLINE_MAX = 1 << 20;
const UPLOAD_CHUNK = 512 << 10;
const UPLOAD_WINDOW = 4;

// The agent's names of the digests a signer may use.
const DIGEST_NAMES = {
  '1.2.643.7.1.1.2.2': 'Streebog-256', '1.2.643.7.1.1.2.3': 'Streebog-512',
  '2.16.840.1.101.3.4.2.1': 'SHA-256', '2.16.840.1.101.3.4.2.2': 'SHA-384', '2.16.840.1.101.3.4.2.3': 'SHA-512',
};

// uploadBytes streams bytes to the agent and resolves with the upload's
// id; open gives documentOpen's certificate or digest, and keep.
async function uploadBytes(bytes, open) {
  const opened = await agentCall('documentOpen', Object.assign({ name: '', size: bytes.length }, open));
  const doc = opened.document;
  const n = Math.min(UPLOAD_CHUNK, opened.chunkSize || UPLOAD_CHUNK);
  const inflight = [];
  try {
    for (let off = 0; off < bytes.length; off += n) {
      inflight.push(agentCall('documentChunk', { document: doc, offset: off, data: b64encode(bytes.subarray(off, off + n)) }));
      if (inflight.length >= UPLOAD_WINDOW) await inflight.shift();
    }
    await Promise.all(inflight);
  } catch (e) {
    await Promise.allSettled(inflight);
    forgetUpload(doc);
    throw e;
  }
  return doc;
}

function forgetUpload(doc) {
  agentCall('documentCancel', { document: doc }).catch(() => {});
}

// signatureDigest is the agent's name of the first signer's digest of a
// DER signature (ContentInfo, SignedData, digestAlgorithms), or null.
function signatureDigest(sig) {
  try {
    const ci = derRead(sig, 0);
    const sd = derChildren(sig, derChildren(sig, derChildren(sig, ci)[1])[0]);
    const alg = derChildren(sig, sd[1])[0];
    return DIGEST_NAMES[derOid(sig, derChildren(sig, alg)[0])] || null;
  } catch (_) {
    return null;
  }
}

// attachedContent is the content of an attached DER signature, or null.
function attachedContent(sig) {
  try {
    const ci = derRead(sig, 0);
    const sd = derChildren(sig, derChildren(sig, derChildren(sig, ci)[1])[0]);
    const eci = derChildren(sig, sd[2]);
    if (eci.length < 2) return null;
    const octets = derChildren(sig, eci[1])[0];
    return sig.subarray(octets.start, octets.end);
  } catch (_) {
    return null;
  }
}

// callWithInputs calls the agent's method with params and its inputs:
// data (a content's bytes) as `data` or an upload named `document`
// (hashed for params.certificate, else with digest); signature (base64)
// as `signature` or a kept upload named `signatureDocument`.
async function callWithInputs(method, params, { data, signature, digest } = {}) {
  const uploads = [];
  try {
    if (signature !== undefined) {
      const bytes = b64decode(signature);
      if (bytes.length > INLINE_MAX) {
        const doc = await uploadBytes(bytes, { digest: 'Streebog-256', keep: true });
        uploads.push(doc);
        params.signatureDocument = doc;
      } else params.signature = signature;
    }
    if (data !== undefined) {
      if (data.length > INLINE_MAX) {
        const open = params.certificate ? { certificate: params.certificate } : { digest: digest || 'Streebog-256' };
        if (params.name) open.name = params.name;
        const doc = await uploadBytes(data, open);
        uploads.push(doc);
        params.document = doc;
        delete params.size;
      } else params.data = b64encode(data);
    }
    const res = await agentCall(method, params);
    // An attached signature of an upload comes back as the parts around
    // the content, which the page has.
    if (params.document && res && typeof res.prefix === 'string') {
      const pre = b64decode(res.prefix);
      const suf = b64decode(res.suffix);
      const all = new Uint8Array(pre.length + data.length + suf.length);
      all.set(pre, 0);
      all.set(data, pre.length);
      all.set(suf, pre.length + data.length);
      return { signature: b64encode(all), digest: res.digest };
    }
    return res;
  } finally {
    for (const doc of uploads) forgetUpload(doc);
  }
}
