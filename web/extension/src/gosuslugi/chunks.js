// Chunked requests of gosuslugi.plugin: a page sends a large file in
// messages of the same id numbered by meta.chunk from "1" to meta.chunks.
// Message 1 carries the request (method.data: signature, signatureV2 or
// hash, each file with its size and no content); each message after it
// carries 1 to 512 KiB of file bytes in base64, the files one after the
// other in the request's order, no message spanning two files. Every
// message is answered with the same id and its meta.chunk: messages
// before the last with {"chunk": k, "received": bytes so far}, the last
// with the request's result once the files are signed (or hashed).
//
// Each file goes to the agent as an upload as its bytes arrive: at most a
// few chunks are held here. A message before the last is answered as soon
// as the one before it has been handed to the agent, so that the page
// reads its next slice while this one travels; a failure found while a
// chunk travels is the answer to the next message (or, once the request
// has ended, to the first message of its id that follows). A message out of order (a gap, a repeat, a
// chunk of a request never started or already ended), a malformed or
// oversized chunk, a file longer or shorter than its size, more than
// CHUNKS_WAITING messages not yet taken, or CHUNK_IDLE_MS without a
// message ends the request: its uploads are cancelled on the agent,
// nothing is signed, and that message is answered with the error.

const CHUNKS_WAITING = 8;
const CHUNK_IDLE_MS = 60000;
const MAX_CHUNKS = 1 + GOSUSLUGI_MAX_FILES * (PORTAL_MAX_FILE / PORTAL_CHUNK) + GOSUSLUGI_MAX_FILES;

// declaredSize is the sum of the files' sizes a chunked request's first
// message declares (Infinity when it cannot be read: start() refuses it).
function declaredSize(data) {
  try {
    const r = parseRequest(data);
    const files = r.file ? [r.file] : r.files;
    if (!Array.isArray(files)) return Infinity;
    return files.reduce((n, f) => n + (Number.isSafeInteger(Number(f && f.size)) ? Number(f.size) : Infinity), 0);
  } catch (_) {
    return Infinity;
  }
}

class ChunkedRequest {
  constructor(session, m, onEnd) {
    this.session = session;
    this.id = m.id;
    this.type = m.method.type;
    this.total = Number(m.meta.chunks);
    this.next = 1;
    this.waiting = 0;
    this.chain = Promise.resolve();
    this.onEnd = onEnd;
    this.ended = false;
    this.generation = session.generation;
    this.files = [];
    this.sinks = [];
    this.results = [];
    this.current = 0;
    this.received = 0;
    this.certificate = null;
    this.timer = null;
    this.touch();
  }

  touch() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.abort(), CHUNK_IDLE_MS);
  }

  // abort ends the request: its uploads and hash are cancelled; err, if
  // any, is kept for the page's next message of this id.
  abort(err) {
    if (this.ended) return;
    this.ended = true;
    this.error = err || null;
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.sinks) if (s) s.cancel();
    for (const r of this.results) if (r && r.document) this.session.agent.call('documentCancel', { document: r.document }).catch(() => {});
    this.sinks = [];
    this.results = [];
    this.onEnd(this.id, this.error);
  }

  // take queues message m (already checked to be the next in order) and
  // resolves with its answer's result; rejects after aborting.
  take(m) {
    this.next++;
    this.waiting++;
    this.touch();
    const k = Number(m.meta.chunk);
    let early = null;
    let checked = null;
    if (this.waiting > CHUNKS_WAITING) early = new PortalError('busy', 'chunks sent faster than taken');
    else if (k === 1) this.declared = declaredSize(m.method.data);
    else {
      checked = this.precheck(m.method.data);
      if (checked instanceof Error) early = checked;
    }
    if (early) {
      // Answered now; later messages of the id are out of order.
      this.abort();
      return Promise.reject(early);
    }
    const previous = this.chain;
    const work = this.chain.then(() => {
      if (this.ended) throw new PortalError('cancelled');
      if (this.session.generation !== this.generation) throw new PortalError('cancelled');
      return k === 1 ? this.start(m.method.data) : this.data(m.method.data, checked);
    }).then(async () => {
      if (k < this.total) return { chunk: k, received: this.received };
      return this.finish();
    });
    this.chain = work.then(() => { this.waiting--; }, (e) => {
      this.waiting--;
      this.abort(e);
      throw e;
    });
    this.chain.catch(() => {});
    if (k > 1 && k < this.total) return previous.then(() => ({ chunk: k, received: this.received }));
    return this.chain.then(() => work);
  }

  // precheck refuses a data chunk at once when it is plainly not base64,
  // over PORTAL_CHUNK, or would take the files past their declared sizes:
  // it returns the error, or the sized chunk (base64Chunk), which the sink
  // takes as it is. Base64 that only looks right (whole groups, no white
  // space) is checked by the agent: its refusal ends the request as
  // bad_request, answered to this message or to one after it, before
  // anything is signed.
  precheck(text) {
    if (typeof text !== 'string' || text.length === 0) return new PortalError('bad_request', 'a chunk is not base64');
    if (text.length > Math.ceil(PORTAL_CHUNK / 3) * 4 + 4) return new PortalError('chunk_too_large', `${text.length} characters`);
    let checked;
    try { checked = base64Chunk(text); } catch (e) { return e; }
    const n = checked.size;
    if (n > PORTAL_CHUNK) return new PortalError('chunk_too_large', `${n} bytes`);
    this.queued = (this.queued || 0) + n;
    if (this.queued > this.declared) return new PortalError('size_mismatch', 'more bytes than the declared sizes');
    return checked;
  }

  async start(data) {
    const request = parseRequest(data);
    if (this.type === 'hash') {
      const file = fileEntry(request.file || (Array.isArray(request.files) && request.files[0]), 0, true);
      if (file.source !== 'chunks') throw new PortalError('bad_request', 'a chunked file has no content');
      this.files = [file];
      this.algorithm = this.session.hashAlgorithm(request);
      return;
    }
    const { certificate, files } = await this.session.signatureRequest(request, this.type === 'signatureV2', true);
    if (files.some((f) => f.source !== 'chunks')) throw new PortalError('bad_request', 'a chunked file has no content');
    this.certificate = certificate;
    this.files = files;
  }

  async sinkFor(i) {
    if (this.sinks[i]) return this.sinks[i];
    const f = this.files[i];
    const sink = this.type === 'hash'
      ? new Hasher(this.session.agent, this.algorithm, f.size)
      : new Upload(this.session.agent, { name: f.name, size: f.size, certificate: this.certificate, keep: f.type === 'attached' });
    this.sinks[i] = sink;
    await sink.open();
    return sink;
  }

  // closeDone finishes every file whose bytes have all arrived (files of
  // size 0 included) up to the first one still waiting for bytes.
  async closeDone() {
    while (this.current < this.files.length) {
      const sink = await this.sinkFor(this.current);
      if (!sink.complete()) return;
      this.results[this.current] = await sink.finish();
      this.sinks[this.current] = null;
      this.current++;
    }
  }

  async data(text, checked) {
    await this.closeDone();
    if (this.current >= this.files.length) throw new PortalError('size_mismatch', 'bytes after the last file');
    const sink = await this.sinkFor(this.current);
    const before = sink.taken();
    await sink.pushBase64(text, checked);
    this.received += sink.taken() - before;
    await this.closeDone();
  }

  async finish() {
    await this.closeDone();
    if (this.current < this.files.length) throw new PortalError('size_mismatch', `file ${this.current + 1} incomplete`);
    let out;
    if (this.type === 'hash') {
      out = this.results[0];
    } else {
      out = await this.session.signUploads(this.certificate, this.files, this.results);
    }
    this.abort(); // frees the uploads; the answer is out already
    return out;
  }
}
