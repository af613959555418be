// The gosuslugi.plugin interface in the page: the meta tags announcing it
// and the window messages (envelope.js). Only messages the frame posted
// to itself count, and nothing at all happens unless the background serves
// this frame's origin: no meta tags, no listener, no answer.

(() => {
  const META = ['content', 'crypto', 'system', 'background'];
  const target = window.location.origin;

  function announce() {
    for (const part of META) {
      const property = `gosuslugi.plugin.extension.${part}`;
      if (document.querySelector(`meta[property="${property}"]`)) continue;
      const meta = document.createElement('meta');
      meta.setAttribute('property', property);
      meta.setAttribute('content', 'extension');
      (document.head || document.documentElement).appendChild(meta);
    }
  }

  portalAccess().then((allowed) => {
    if (!allowed) return;
    const agent = new AgentChannel();
    const session = new GosuslugiSession(agent);
    const chunked = new Map(); // id → ChunkedRequest
    const failed = new Map(); // id → the error that ended its request, until the page's next message of that id

    announce();
    if (!document.head) document.addEventListener('DOMContentLoaded', announce, { once: true });

    const answer = (m, body) => window.postMessage(gosuslugiAnswer(m, body), target);

    function progressOf(m) {
      let shown = -1;
      return (p) => {
        const percent = p.size ? Math.floor((100 * p.received) / p.size) : 100;
        if (percent === shown) return;
        shown = percent;
        answer(m, { type: 'progress', result: Object.assign({ percent }, p) });
      };
    }

    function onChunk(m) {
      const k = Number(m.meta.chunk);
      const n = Number(m.meta.chunks);
      let req = chunked.get(m.id);
      if (k === 1) {
        failed.delete(m.id);
        if (req) {
          // A request started twice: both end.
          req.abort();
          failed.delete(m.id);
          answer(m, { err: new PortalError('out_of_order', 'chunk 1 again') });
          return;
        }
        if (!['signature', 'signatureV2', 'hash'].includes(m.method.type) || !Number.isSafeInteger(n) || n < 2 || n > MAX_CHUNKS) {
          answer(m, { err: new PortalError('bad_request', 'chunks') });
          return;
        }
        const started = new ChunkedRequest(session, m, (id, err) => {
          if (chunked.get(id) === started) chunked.delete(id);
          if (err) {
            if (failed.size >= 64) failed.delete(failed.keys().next().value);
            failed.set(id, err);
          }
        });
        req = started;
        chunked.set(m.id, req);
      } else if (!req || !Number.isSafeInteger(k) || k !== req.next || n !== req.total || m.method.type !== req.type) {
        const ended = !req && failed.get(m.id);
        failed.delete(m.id);
        if (req) req.abort(new PortalError('out_of_order', `chunk ${m.meta.chunk}`));
        failed.delete(m.id);
        answer(m, { err: ended || new PortalError('out_of_order', `chunk ${m.meta.chunk}`) });
        return;
      }
      req.take(m).then((result) => answer(m, { result }), (err) => answer(m, { err }));
    }

    window.addEventListener('message', (ev) => {
      if (ev.source !== window || !isGosuslugiRequest(ev.data)) return;
      const m = ev.data;
      if (m.method.type === 'cancelChunks') {
        session.generation++;
        for (const req of Array.from(chunked.values())) req.abort();
        answer(m, { result: 'true' });
        return;
      }
      if (m.meta.chunk !== undefined && m.meta.chunk !== null && m.meta.chunk !== '') {
        onChunk(m);
        return;
      }
      const moduleType = m.module && m.module.type;
      if (moduleType === 'system' && m.method.type === 'version') {
        answer(m, { result: { version: '1.0.0', name: 'Zavera' } });
        return;
      }
      if (moduleType !== 'crypto') {
        answer(m, { err: new PortalError('not_supported', String(moduleType)) });
        return;
      }
      session.run(m.method.type, m.method.data, progressOf(m)).then((result) => answer(m, { result }), (err) => answer(m, { err }));
    });
  });
})();
