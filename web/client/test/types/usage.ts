// Compiled by types.test.mjs with `tsc --noEmit --strict`: the
// declarations must describe how a portal uses the client.
import { connect, Reason, ZaveraError, UPLOAD_CHUNK, toBase64, fromBase64, type BatchResult, type Certificate } from '@zavera/client';

async function demo(): Promise<void> {
  const z = await connect({ port: 27413, lang: 'en', onPairing: (code: string) => console.log(code) });
  const certs: Certificate[] = await z.certificates({ innle: '7707083893', ogrn: '1027700132195', validNow: true });
  const c = certs[0];
  const s = await z.sign({ certificate: c.id, data: new Uint8Array([1, 2]), description: 'x', files: [{ name: 'a', size: 2 }] });
  const bytes: Uint8Array = fromBase64(s.signature);
  const big = await z.sign({ certificate: c.id, file: new Blob(['x']), description: 'file' },
    { onUpload: (p) => console.log(p.sent, p.size) });
  const stream = new ReadableStream<Uint8Array>();
  const id: string = await z.upload(stream, { size: 10, certificate: c.id, onProgress: (p) => console.log(p.sent) });
  console.log(big.digest, id, UPLOAD_CHUNK);
  const lt = await z.sign({ certificate: c.id, data: 'x', description: 'long-term', level: 'XLT1', tsa: 'http://tsa.example/tsp' });
  console.log(lt.signature, Reason.UNAVAILABLE);
  const att = await z.sign({ certificate: c.id, file: new Blob(['x']), attached: true, description: 'attached' });
  const attBlob: Blob = att.signature;
  console.log(attBlob.size);
  const ctl = new AbortController();
  const results: BatchResult[] = await z.signBatch(
    { certificate: c.id, description: 'batch', documents: [{ name: 'a', data: 'text' }, { name: 'b', size: 3, hash: toBase64(bytes) }] },
    { signal: ctl.signal, onProgress: (p) => console.log(p.index, p.total, p.signed) },
  );
  for (const r of results) {
    if (r.error) console.log(r.error.reason, r.error.messages.ru);
    else console.log(r.signature.length);
  }
  const ch = await z.signChallenge({ certificate: c.id, nonce: 'AAAAAAAAAAAAAAAAAAAAAA==' });
  console.log(ch.content);
  const off = await z.onTokenEvent((e) => console.log(e.kind, e.token));
  await off();
  z.onClose((e: ZaveraError) => console.log(e.reason));
  z.close();
}

demo().catch((e: unknown) => {
  if (e instanceof ZaveraError && e.reason === Reason.LOCAL_NETWORK_ACCESS_DENIED) console.log(e.message, e.retryable);
});
