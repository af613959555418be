// The gosuslugi.plugin methods (module "crypto") over the agent.
//
// providers, tokens and certificates list what the agent has; signature
// and signatureV2 sign files with one confirmation and one PIN in Zavera's
// window (one file: the agent's sign, several: signBatch), each file
// streamed to the agent as an upload so that a 100 MiB file costs the
// agent and this script a few chunks of memory; hash hashes one file;
// cancelChunks stops the requests in progress; chunkSize reports 512 KiB.
// Files come in the request (a File or Blob the page passed, base64
// content, or a URL of the page's own origin, fetched with the page's
// credentials) or, for chunked requests, in the messages that follow
// (gosuslugi/chunks.js).

const GOSUSLUGI_PROVIDER = { id: 'zavera', name: 'Zavera', type: 'pkcs11' };
const GOSUSLUGI_MAX_FILES = 100;
const HASH_ALGORITHMS = {
  'Streebog-256': 'Streebog-256', 'GOST3411_2012_256': 'Streebog-256', 'GOST R 34.11-2012 256': 'Streebog-256', '2012_256': 'Streebog-256',
  'Streebog-512': 'Streebog-512', 'GOST3411_2012_512': 'Streebog-512', 'GOST R 34.11-2012 512': 'Streebog-512', '2012_512': 'Streebog-512',
};

// parseRequest reads method.data: a JSON string or an object.
function parseRequest(data) {
  if (data === undefined || data === null || data === '') return {};
  if (typeof data === 'string') {
    try { data = JSON.parse(data); } catch (_) { throw new PortalError('bad_request', 'data is not JSON'); }
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new PortalError('bad_request', 'data');
  return data;
}

// fileEntry checks one entry of files and says where its bytes come from:
// 'blob', 'url', 'content', or 'chunks' (a chunked request's file, which
// must state its size).
function fileEntry(f, index, chunked) {
  if (!f || typeof f !== 'object') throw new PortalError('bad_request', `files[${index}]`);
  const id = typeof f.id === 'string' && f.id ? f.id.slice(0, 128) : `file-${index + 1}`;
  const name = String(f.name || (typeof f.path === 'string' ? decodeURIComponent(f.path.split('/').pop() || '') : '') || `file-${index + 1}`).slice(0, 255);
  if (typeof Blob !== 'undefined' && f instanceof Blob) return { id, name: f.name || name, source: 'blob', blob: f, size: f.size };
  if (f.contentEncoding === 'url' || (typeof f.path === 'string' && f.path && !f.content)) {
    if (typeof f.path !== 'string' || !f.path) throw new PortalError('not_found', 'path');
    return { id, name, source: 'url', path: f.path };
  }
  if (typeof f.content === 'string' && f.content.length > 0) {
    let bytes;
    if (f.contentEncoding === 'utf8' || f.contentEncoding === 'text') bytes = bytesOfString(f.content);
    else {
      try { bytes = b64decode(f.content); } catch (_) { throw new PortalError('bad_request', `files[${index}].content is not base64`); }
    }
    return { id, name, source: 'content', bytes, size: bytes.length };
  }
  if (chunked) {
    const size = Number(f.size);
    if (!Number.isSafeInteger(size) || size < 0) throw new PortalError('bad_request', `files[${index}].size`);
    if (size > PORTAL_MAX_FILE) throw new PortalError('too_large', `files[${index}]`);
    return { id, name, source: 'chunks', size };
  }
  throw new PortalError('not_found', `files[${index}]`);
}

// fileChunks opens a file's bytes: {size, chunks}.
async function fileChunks(file) {
  switch (file.source) {
    case 'blob': return { size: file.size, chunks: blobChunks(file.blob) };
    case 'url': return fetchDocument(file.path);
    case 'content': return { size: file.size, chunks: rechunk([file.bytes]) };
    default: throw new PortalError('bad_request', 'file');
  }
}

// Hasher is the sink of a hash request: the same shape as an Upload.
class Hasher {
  constructor(agent, algorithm, size) {
    this.agent = agent;
    this.algorithm = algorithm;
    this.size = size;
    this.offset = 0;
    this.handle = null;
  }

  async open() {
    if (this.size > PORTAL_MAX_FILE) throw new PortalError('too_large', 'file over 100 MiB');
    this.handle = (await this.agent.call('hashStart', { algorithm: this.algorithm })).handle;
  }

  async push(chunk) {
    if (chunk.length > PORTAL_CHUNK) throw new PortalError('chunk_too_large', `${chunk.length} bytes`);
    if (this.offset + chunk.length > this.size) throw new PortalError('size_mismatch', 'more bytes than the declared size');
    this.offset += chunk.length;
    await this.agent.call('hashUpdate', { handle: this.handle, data: b64encode(chunk) });
  }

  async pushBase64(text, checked) {
    const c = checked || base64Chunk(text);
    if (c.size > PORTAL_CHUNK) throw new PortalError('chunk_too_large', `${c.size} bytes`);
    if (this.offset + c.size > this.size) throw new PortalError('size_mismatch', 'more bytes than the declared size');
    this.offset += c.size;
    await this.agent.call('hashUpdate', { handle: this.handle, data: c.text });
  }

  taken() {
    return this.offset;
  }

  complete() {
    return this.offset === this.size;
  }

  async finish() {
    if (this.offset !== this.size) throw new PortalError('size_mismatch', `${this.offset} bytes of ${this.size}`);
    const r = await this.agent.call('hashFinish', { handle: this.handle });
    this.handle = null;
    return { algorithm: r.algorithm, value: r.hash };
  }

  cancel() {
    if (this.handle === null) return;
    const handle = this.handle;
    this.handle = null;
    // Finishing frees the agent's state; the hash is dropped.
    this.agent.call('hashFinish', { handle }).catch(() => {});
  }
}

class GosuslugiSession {
  constructor(agent) {
    this.agent = agent;
    this.generation = 0; // cancelChunks moves it on: requests of an older one stop
  }

  async agentCertificates() {
    const r = await this.agent.call('certificates', {});
    return (r.certificates || []).map((c) => ({ record: c, info: parseCertificate(b64decode(c.certificate)) }));
  }

  // certificateId finds the agent certificate a request names: its id, its
  // thumbprint (SHA-1, hex) or its DER (base64), as a string or as
  // {id | thumbprint | content}.
  async certificateId(ref) {
    const want = ref && typeof ref === 'object' ? (ref.id || ref.thumbprint || ref.content || '') : String(ref || '');
    if (!want) throw new PortalError('certificate_not_found', 'no certificate');
    const clean = String(want).replace(/\s/g, '');
    const found = (await this.agentCertificates()).find(({ record, info }) => record.id === clean ||
      info.thumbprint === clean.toUpperCase() || record.certificate === clean);
    if (!found) throw new PortalError('certificate_not_found', 'certificate');
    return { id: found.record.id, info: found.info };
  }

  // signatureRequest checks a signature request and returns what signing
  // needs: the certificate and the files with their signature types.
  async signatureRequest(request, v2, chunked) {
    if (!Array.isArray(request.files) || request.files.length === 0) throw new PortalError('not_found', 'files');
    if (request.files.length > GOSUSLUGI_MAX_FILES) throw new PortalError('too_large', 'too many files');
    const base = request.type === undefined ? 'detached' : request.type;
    if (base !== 'attached' && base !== 'detached') throw new PortalError('bad_request', 'type');
    const files = request.files.map((f, i) => fileEntry(f, i, chunked));
    const params = v2 && Array.isArray(request.filesSignParams) ? request.filesSignParams : [];
    for (const f of files) {
      const p = params.find((x) => x && x.id === f.id);
      f.type = p && (p.type === 'attached' || p.type === 'detached') ? p.type : base;
    }
    const cert = await this.certificateId(request.certificate);
    return { certificate: cert.id, files };
  }

  // signUploads signs the uploaded files with one confirmation and returns
  // the results in the plug-in's shape: [{id, name, type, content}].
  async signUploads(certificate, files, uploads) {
    const n = files.length;
    const description = n === 1
      ? `Подпись файла «${files[0].name}» для портала госуслуг`
      : `Подпись ${n} файлов для портала госуслуг`;
    let answers;
    if (n === 1) {
      answers = [await this.agent.call('sign', { certificate, description, document: uploads[0].document, attached: files[0].type === 'attached' })];
    } else {
      const r = await this.agent.call('signBatch', {
        certificate, description,
        documents: uploads.map((u, i) => ({ document: u.document, attached: files[i].type === 'attached' })),
      });
      answers = (r.results || []).slice().sort((a, b) => a.index - b.index);
      const failed = answers.find((a) => a.error);
      if (failed) throw failed.error;
      if (answers.length !== n) throw new PortalError('bad_request', 'batch');
    }
    return answers.map((a, i) => {
      let content = a.signature;
      if (files[i].type === 'attached') {
        const pre = b64decode(a.prefix);
        const suf = b64decode(a.suffix);
        const doc = uploads[i].kept;
        const all = new Uint8Array(pre.length + doc.length + suf.length);
        all.set(pre, 0);
        all.set(doc, pre.length);
        all.set(suf, pre.length + doc.length);
        content = b64encode(all);
      }
      return { id: files[i].id, name: files[i].name, type: files[i].type, content };
    });
  }

  // signature signs the files given in the request itself.
  async signature(request, v2, progress) {
    const { certificate, files } = await this.signatureRequest(request, v2, false);
    const generation = this.generation;
    const uploads = [];
    try {
      for (let i = 0; i < files.length; i++) {
        const f = files[i];
        const { size, chunks } = await fileChunks(f);
        uploads.push(await uploadDocument(this.agent, {
          name: f.name, size, certificate, chunks, keep: f.type === 'attached',
          progress: (received) => progress({ file: f.id, index: i, received, size }),
          cancelled: () => this.generation !== generation,
        }));
      }
      if (this.generation !== generation) throw new PortalError('cancelled');
      return await this.signUploads(certificate, files, uploads);
    } finally {
      for (const u of uploads) this.agent.call('documentCancel', { document: u.document }).catch(() => {});
    }
  }

  hashAlgorithm(request) {
    const a = request.algorithm === undefined ? 'Streebog-256' : HASH_ALGORITHMS[String(request.algorithm)];
    if (!a) throw new PortalError('bad_request', 'algorithm');
    return a;
  }

  async hash(request) {
    const file = fileEntry(request.file || (Array.isArray(request.files) && request.files[0]), 0, false);
    const { size, chunks } = await fileChunks(file);
    const h = new Hasher(this.agent, this.hashAlgorithm(request), size);
    try {
      await h.open();
      for await (const c of chunks) await h.push(c);
      return await h.finish();
    } catch (e) {
      h.cancel();
      throw e;
    }
  }

  async run(type, data, progress) {
    switch (type) {
      case 'providers': return [GOSUSLUGI_PROVIDER];
      case 'tokens': {
        const r = await this.agent.call('tokens', {});
        return (r.tokens || []).map((t) => ({ id: t.id, label: t.label, model: t.model, manufacturer: t.manufacturer, serial: t.serial, provider: GOSUSLUGI_PROVIDER.id }));
      }
      case 'certificates': {
        const request = parseRequest(data);
        const certs = await this.agentCertificates();
        return certs.filter(({ record }) => !request.token || record.token === request.token).map(({ record, info }) => ({
          id: record.id, content: record.certificate, thumbprint: info.thumbprint, serialNumber: info.serial,
          subject: info.subjectName, issuer: info.issuerName,
          validFrom: info.notBefore.toISOString(), validTo: info.notAfter.toISOString(),
          token: record.token, provider: GOSUSLUGI_PROVIDER.id, fields: record.subject || {},
        }));
      }
      case 'signature': return this.signature(parseRequest(data), false, progress);
      case 'signatureV2': return this.signature(parseRequest(data), true, progress);
      case 'hash': return this.hash(parseRequest(data));
      case 'chunkSize': return String(PORTAL_CHUNK);
      default: throw new PortalError('not_supported', type);
    }
  }
}
