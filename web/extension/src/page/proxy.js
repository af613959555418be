// Plug-in objects as pages see them. The real plug-in hands out proxies:
// reading a property gives a Promise, writing one is propset_Name(value),
// every method returns a Promise. makeObject builds such an object over an
// implementation; impls maps each object back to it, so that objects
// passed as arguments (a signer, a certificate) are recognised as ours.

const impls = new WeakMap();
let lastError = null;

function settle(fn) {
  return new Promise((resolve) => resolve(fn())).catch((e) => {
    const err = e instanceof Error && /\(0x[0-9A-F]{8}\)$/.test(e.message) ? e : cadesError('internal');
    if (err !== e) console.error('zavera:', e);
    lastError = err;
    throw err;
  });
}

// makeObject: props maps a name to {get, set}; methods maps a name to a
// function. A missing setter makes the property read-only, as in the
// plug-in.
function makeObject(impl, { props = {}, methods = {} }) {
  const o = {};
  for (const [name, p] of Object.entries(props)) {
    Object.defineProperty(o, name, { enumerable: true, get: () => settle(() => p.get()) });
    o[`propset_${name}`] = (v) => settle(() => {
      if (!p.set) throw cadesError('badData', `Свойство ${name} только для чтения.`);
      return p.set(v);
    }).then(() => undefined);
  }
  for (const [name, fn] of Object.entries(methods)) {
    o[name] = (...args) => settle(() => fn(...args));
  }
  impls.set(o, impl);
  return Object.freeze(o);
}

// implOf gives the implementation behind an object a page passes, checking
// its kind; anything else is a bad parameter.
function implOf(obj, kind) {
  const impl = obj && typeof obj === 'object' ? impls.get(obj) : undefined;
  if (!impl || (kind && impl.kind !== kind)) throw cadesError('badData');
  return impl;
}

function num(v, dflt) {
  if (v === undefined || v === null) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n)) throw cadesError('badData');
  return n;
}

// versionObject is the plug-in's version object: numbers as properties and
// toString() giving "major.minor.build".
function versionObject(major, minor, build) {
  const text = `${major}.${minor}.${build}`;
  const o = makeObject({ kind: 'Version' }, {
    props: {
      MajorVersion: { get: () => major }, MinorVersion: { get: () => minor }, BuildVersion: { get: () => build },
    },
  });
  return Object.freeze(Object.assign(Object.create(o), { toString: () => text }));
}

// unsupportedObject stands for a class the plug-in has and Zavera does not
// serve: creating it works, every member rejects with a clear error.
function unsupportedObject(progId) {
  return new Proxy(Object.freeze({}), {
    get(_, name) {
      if (typeof name !== 'string' || name === 'then' || name === 'toJSON') return undefined;
      if (name === 'toString') return () => `[object ${progId}]`;
      return (...args) => Promise.reject(cadesError('notImplemented', `${progId}.${name}`)).catch((e) => { lastError = e; throw e; });
    },
  });
}
