// Streaming a document to the agent for the portal interfaces: the agent's
// documentOpen / documentChunk / documentCancel (docs/protocol.md). The
// content script holds at most UPLOAD_IN_FLIGHT chunks of PORTAL_CHUNK
// bytes on their way, whatever the document's size; the agent hashes them
// as they arrive and keeps only the document's start. A failed upload is
// cancelled on the agent, so nothing of it is left there.

const PORTAL_CHUNK = 512 * 1024;
const PORTAL_MAX_FILE = 100 * 1024 * 1024;
// An attached signature returns the document inside it; the portal's
// plug-in caps its output at 10 MiB, and so does this one.
const PORTAL_MAX_OUTPUT = 10 * 1024 * 1024;
const UPLOAD_IN_FLIGHT = 4;

// PortalError is a refusal of the interface itself (not the agent's):
// kind is a stable name, mapped to each interface's own codes.
class PortalError extends Error {
  constructor(kind, detail) {
    super(detail ? `${kind}: ${detail}` : kind);
    this.kind = kind;
  }
}

// Upload is one document streamed to the agent, to be signed with
// certificate: open(), push(chunk) for each piece of 1 to PORTAL_CHUNK
// bytes in order, then finish(); cancel() on any failure. keep collects
// the bytes for an attached signature (at most PORTAL_MAX_OUTPUT);
// progress(received) follows each chunk the agent hashed.
class Upload {
  constructor(agent, { name, size, certificate, keep, progress }) {
    this.agent = agent;
    this.name = String(name || 'document').slice(0, 255);
    this.size = size;
    this.certificate = certificate;
    this.keep = !!keep;
    this.progress = progress;
    this.id = null;
    this.kept = null;
    this.offset = 0;
    this.inFlight = [];
    this.last = null;
  }

  async open() {
    const size = this.size;
    if (!Number.isSafeInteger(size) || size < 0) throw new PortalError('bad_request', 'size');
    if (size > PORTAL_MAX_FILE) throw new PortalError('too_large', 'file over 100 MiB');
    if (this.keep && size > PORTAL_MAX_OUTPUT) throw new PortalError('too_large', 'attached signature over 10 MiB');
    const open = await this.agent.call('documentOpen', { name: this.name, size, certificate: this.certificate });
    this.id = open.document;
    if (this.keep) this.kept = new Uint8Array(size);
  }

  // push sends one chunk; it waits only while UPLOAD_IN_FLIGHT chunks are
  // on their way.
  async push(chunk) {
    if (!(chunk instanceof Uint8Array)) throw new PortalError('bad_request', 'chunk');
    if (chunk.length === 0) return;
    if (chunk.length > PORTAL_CHUNK) throw new PortalError('chunk_too_large', `${chunk.length} bytes`);
    if (this.offset + chunk.length > this.size) throw new PortalError('size_mismatch', 'more bytes than the declared size');
    if (this.kept) this.kept.set(chunk, this.offset);
    return this.send(b64encode(chunk), chunk.length);
  }

  async send(data, length) {
    const p = this.agent.call('documentChunk', { document: this.id, offset: this.offset, data }).then((r) => {
      this.last = r;
      if (this.progress) this.progress(r.received);
      return r;
    });
    p.catch(() => {});
    this.inFlight.push(p);
    this.offset += length;
    if (this.inFlight.length >= UPLOAD_IN_FLIGHT) await this.inFlight.shift();
  }

  // pushBase64 sends one chunk given as base64 text, as pages send them,
  // without decoding it here: the text goes on to the agent as it came
  // when it is canonical, and the agent's strict decoder checks it as it
  // hashes (a chunk it refuses fails the upload as bad_request). Only an
  // attached signature's chunks are decoded, to keep the bytes. (Joining
  // chunks into the agent's 1 MiB measured slower: it delays each send.)
  // checked is the text's base64Chunk, when the caller has it already.
  async pushBase64(text, checked) {
    const c = checked || base64Chunk(text);
    if (this.kept || c.size > PORTAL_CHUNK) return this.push(binaryBytes(c.bin !== undefined ? c.bin : decodeBase64(c.text)));
    if (c.size === 0) return undefined;
    if (this.offset + c.size > this.size) throw new PortalError('size_mismatch', 'more bytes than the declared size');
    return this.send(c.text, c.size);
  }

  // taken is the number of bytes pushed so far.
  taken() {
    return this.offset;
  }

  complete() {
    return this.taken() === this.size;
  }

  async finish() {
    while (this.inFlight.length) await this.inFlight.shift();
    if (this.offset !== this.size) throw new PortalError('size_mismatch', `${this.offset} bytes of ${this.size}`);
    if (this.size > 0 && !(this.last && this.last.complete)) throw new PortalError('size_mismatch', 'incomplete');
    return { document: this.id, digest: this.last ? this.last.digest : '', kept: this.kept };
  }

  // cancel forgets the document on the agent (nothing of it is left).
  cancel() {
    this.kept = null;
    if (this.id === null) return;
    const id = this.id;
    this.id = null;
    this.agent.call('documentCancel', { document: id }).catch(() => {});
  }
}

// base64Chunk sizes a chunk of base64 text without decoding it, where
// it can: text of whole groups of four characters and no white space is
// taken as it is, its size read off its length and padding, and left to
// the agent's strict decoder to check (decoding 512 KiB here as well cost
// the page's renderer about as much as the agent's whole decoding). Other
// text (white space, missing padding) is decoded with the browser's atob,
// which refuses what is not base64, and encoded again canonically. Gives
// {size, text} (text canonical or refused by the agent) and, when it was
// decoded, bin, the bytes as a binary string.
function base64Chunk(text) {
  if (typeof text !== 'string') throw new PortalError('bad_request', 'a chunk is not base64');
  if (text.length % 4 === 0 && !hasWhiteSpace(text)) {
    const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
    return { size: (text.length / 4) * 3 - pad, text };
  }
  const bin = decodeBase64(text);
  return { size: bin.length, text: btoa(bin), bin };
}

// hasWhiteSpace tells whether text holds any of the white space atob skips.
function hasWhiteSpace(text) {
  for (const c of ' \n\r\t\f') if (text.indexOf(c) >= 0) return true;
  return false;
}

// decodeBase64 is atob refusing as this interface refuses.
function decodeBase64(text) {
  try { return atob(text); } catch (_) { throw new PortalError('bad_request', 'a chunk is not base64'); }
}

function binaryBytes(bin) {
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// uploadDocument streams chunks (an async iterable of Uint8Array) as one
// Upload; cancelled() is polled between chunks. Resolves with
// {document, digest, kept}; on any failure the upload is cancelled.
async function uploadDocument(agent, opts) {
  const u = new Upload(agent, opts);
  try {
    await u.open();
    for await (const chunk of opts.chunks) {
      if (opts.cancelled && opts.cancelled()) throw new PortalError('cancelled');
      await u.push(chunk);
    }
    return await u.finish();
  } catch (e) {
    u.cancel();
    throw e;
  }
}

// rechunk turns an async iterable of byte arrays of any sizes into pieces
// of at most PORTAL_CHUNK bytes.
async function* rechunk(source) {
  for await (const part of source) {
    const bytes = part instanceof Uint8Array ? part : new Uint8Array(part);
    for (let i = 0; i < bytes.length; i += PORTAL_CHUNK) yield bytes.subarray(i, i + PORTAL_CHUNK);
  }
}

// blobChunks reads a Blob (a File the page passed) in slices.
async function* blobChunks(blob) {
  for (let i = 0; i < blob.size; i += PORTAL_CHUNK) {
    yield new Uint8Array(await blob.slice(i, i + PORTAL_CHUNK).arrayBuffer());
  }
}

// sameOriginURL resolves a URL the page gave against the page and returns
// it only when it is of the page's own origin: the interface fetches with
// the page's credentials, so it fetches nothing from elsewhere.
function sameOriginURL(text) {
  let u;
  try { u = new URL(String(text), window.location.href); } catch (_) { throw new PortalError('bad_request', 'url'); }
  if (u.origin !== window.location.origin) throw new PortalError('url_origin', u.origin);
  return u.href;
}

// fetchDocument fetches a same-origin URL with the page's credentials and
// returns {size, chunks}; the size is the response's Content-Length.
async function fetchDocument(url) {
  const href = sameOriginURL(url);
  let response;
  try {
    response = await fetch(href, { credentials: 'same-origin', cache: 'no-store', redirect: 'error' });
  } catch (e) {
    throw new PortalError('fetch', String(e && e.message));
  }
  if (!response.ok) throw new PortalError('fetch', `HTTP ${response.status}`);
  const length = response.headers.get('content-length');
  if (length === null || !/^\d+$/.test(length)) throw new PortalError('fetch', 'no Content-Length');
  const size = Number(length);
  if (size > PORTAL_MAX_FILE) {
    try { await response.body.cancel(); } catch (_) { /* gone */ }
    throw new PortalError('too_large', 'file over 100 MiB');
  }
  async function* body() {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  }
  return { size, chunks: rechunk(body()) };
}
