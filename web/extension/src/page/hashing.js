// CAdESCOM.HashedData: Streebog (GOST R 34.11-2012) and SHA-2 are computed
// by the agent in pieces (hashStart, hashUpdate, hashFinish), so Hash() may
// be called many times, as pages do for large documents; SHA-1 is computed
// here. Value is upper-case hex, as the plug-in gives it.

const HASH_ALGORITHMS = {
  101: { agent: 'Streebog-256', size: 32 }, 102: { agent: 'Streebog-512', size: 64 },
  4: { agent: 'SHA-256', size: 32 }, 5: { agent: 'SHA-384', size: 48 }, 6: { agent: 'SHA-512', size: 64 },
  0: { local: 'SHA-1', size: 20 },
};

function hashedDataObject() {
  const impl = {
    kind: 'HashedData', algorithm: 0, encoding: 0, started: false, handle: null, chain: Promise.resolve(),
    local: [], result: null, failed: null,
  };
  const alg = () => {
    const a = HASH_ALGORITHMS[impl.algorithm];
    if (!a) throw cadesError('badHashAlgorithm');
    return a;
  };
  impl.value = async () => {
    if (impl.result) return impl.result;
    const a = alg();
    if (a.local) {
      const total = impl.local.reduce((n, b) => n + b.length, 0);
      const all = new Uint8Array(total);
      let off = 0;
      for (const b of impl.local) { all.set(b, off); off += b.length; }
      impl.result = hexUpper(sha1(all));
      return impl.result;
    }
    if (!impl.started) {
      impl.started = true;
      impl.handle = agentCall('hashStart', { algorithm: a.agent }).then((r) => r.handle);
    }
    const handle = await impl.handle;
    await impl.chain;
    if (impl.failed) throw impl.failed;
    const res = await agentCall('hashFinish', { handle });
    impl.result = hexUpper(b64decode(res.hash));
    return impl.result;
  };
  return makeObject(impl, {
    props: {
      Algorithm: {
        get: () => impl.algorithm,
        set: (v) => {
          if (impl.started || impl.local.length) throw cadesError('badData', 'Алгоритм задаётся до хеширования.');
          impl.algorithm = num(v, 0);
          alg();
        },
      },
      DataEncoding: { get: () => impl.encoding, set: (v) => { impl.encoding = num(v, 0); } },
      Value: { get: () => impl.value() },
      Key: { get: () => { throw cadesError('notImplemented', 'HashedData.Key'); } },
    },
    methods: {
      Hash(data) {
        const a = alg();
        if (impl.result) throw cadesError('badData', 'Хеш уже вычислен.');
        const bytes = impl.encoding === 1 ? b64decode(data) : utf16le(data === undefined || data === null ? '' : data);
        if (a.local) {
          impl.local.push(bytes);
          return undefined;
        }
        if (!impl.started) {
          impl.started = true;
          impl.handle = agentCall('hashStart', { algorithm: a.agent }).then((r) => r.handle);
        }
        // Pieces of at most INLINE_MAX bytes (uploads.js), each a message
        // the agent takes; all posted at once, so in order.
        const step = impl.handle.then((handle) => {
          const calls = [];
          let off = 0;
          do {
            calls.push(agentCall('hashUpdate', { handle, data: b64encode(bytes.subarray(off, off + INLINE_MAX)) }));
            off += INLINE_MAX;
          } while (off < bytes.length);
          return Promise.all(calls);
        });
        impl.chain = impl.chain.then(() => step).catch((e) => { impl.failed = impl.failed || e; });
        return step.then(() => undefined);
      },
      SetHashValue(hex) {
        const a = alg();
        const bytes = hexDecode(hex);
        if (bytes.length !== a.size) throw cadesError('badData', 'Длина хеша не соответствует алгоритму.');
        impl.result = hexUpper(bytes);
      },
    },
  });
}
