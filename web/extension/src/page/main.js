// window.cadesplugin: defined in the page's main world at document start,
// before any script of the page, so the loaders pages embed (which begin
// with `if (window.cadesplugin) return;`) leave it in place.
//
// Calls reach the agent through the extension's isolated-world bridge
// (bridge.js) as synchronous CustomEvents on the window with JSON text in
// `detail`, tagged with a random token made here and announced to the
// bridge at document start, before any script of the page: the bridge
// takes only the first announcement and only calls with its token. Other
// frames cannot dispatch events on this window. The page could learn the
// token and so call the agent as itself, which it can do through the API
// anyway; it cannot speak as another origin, because the extension's
// background takes the origin from the browser, never from a message.

const PLUGIN_VERSION = [2, 0, 15400];
const CSP_VERSION = [5, 0, 13000];
const EXTENSION_VERSION = '0.1.0';

// Taken at document start, so that the page's scripts, which run later,
// cannot replace what the channel uses.
const Custom = window.CustomEvent;
const dispatch = window.dispatchEvent.bind(window);
const stringify = JSON.stringify;
const parse = JSON.parse;
const token = (() => {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
})();
const pending = new Map();
let nextId = 1;

window.addEventListener('zavera-bridge-answer', (ev) => {
  if (typeof ev.detail !== 'string') return;
  let d;
  try {
    d = parse(ev.detail);
  } catch (_) {
    return;
  }
  if (!d || typeof d !== 'object' || d.token !== token) return;
  const p = pending.get(d.id);
  if (!p) return;
  pending.delete(d.id);
  if (d.error) p.reject(agentError(d.error));
  else p.resolve(d.result);
}, true);
// The hello goes now, for a bridge already listening, and once more when a
// bridge that starts after this script announces itself.
const hello = () => dispatch(new Custom('zavera-page-hello', { detail: token }));
window.addEventListener('zavera-bridge-ready', function ready() {
  window.removeEventListener('zavera-bridge-ready', ready, true);
  hello();
}, true);
hello();

// agentCall sends one agent method through the bridge; the background
// adds the session, the handshake and pairing.
function agentCall(method, params) {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    dispatch(new Custom('zavera-page-call', { detail: stringify({ token, id, method, params }) }));
  });
}

function aboutObject() {
  const [maj, min, build] = PLUGIN_VERSION;
  return makeObject({ kind: 'About' }, {
    props: {
      Version: { get: () => PLUGIN_VERSION.join('.') },
      MajorVersion: { get: () => maj }, MinorVersion: { get: () => min }, BuildVersion: { get: () => build },
      PluginVersion: { get: () => versionObject(maj, min, build) },
    },
    methods: {
      CSPVersion: () => versionObject(...CSP_VERSION),
      CSPName: (type) => (num(type, 80) === 81
        ? 'Crypto-Pro GOST R 34.10-2012 Strong Cryptographic Service Provider'
        : 'Crypto-Pro GOST R 34.10-2012 Cryptographic Service Provider'),
      ProductVersion: () => versionObject(...CSP_VERSION),
    },
  });
}

const FACTORIES = {
  'cadescom.store': storeObject, 'capicom.store': storeObject,
  'cadescom.certificate': newCertificateObject, 'capicom.certificate': newCertificateObject,
  'cadescom.cpsigner': signerObject, 'cadescom.cpattribute': attributeObject,
  'cadescom.cadessigneddata': signedDataObject, 'cadescom.hasheddata': hashedDataObject,
  'cadescom.about': aboutObject, 'cadescom.rawsignature': rawSignatureObject,
  'cadescom.signedxml': signedXMLObject,
};
const UNSUPPORTED = ['cadescom.cpenvelopeddata', 'cadescom.symmetricalgorithm',
  'cadescom.cpcertificates', 'x509enrollment.cx509enrollment', 'cadescom.cpcertificate'];

function createObject(progId) {
  const key = String(progId).toLowerCase();
  const f = FACTORIES[key];
  if (f) return f();
  if (UNSUPPORTED.includes(key)) return unsupportedObject(String(progId));
  throw cadesError('unknownObject', String(progId));
}

// asyncSpawn runs a generator that yields promises, as the plug-in's
// async_spawn does: the arguments after the generator reach it as one
// array.
function asyncSpawn(genFn, ...args) {
  const gen = genFn(args);
  return new Promise((resolve, reject) => {
    const step = (verb, arg) => {
      let r;
      try {
        r = gen[verb](arg);
      } catch (e) {
        reject(e);
        return;
      }
      if (r.done) resolve(r.value);
      else Promise.resolve(r.value).then((v) => step('next', v), (e) => step('throw', e));
    };
    step('next');
  });
}

const plugin = Promise.resolve();
Object.assign(plugin, CADES_CONSTANTS, {
  JSModuleVersion: '2.4.2',
  current_log_level: CADES_CONSTANTS.LOG_LEVEL_ERROR,
  EnableInternalCSP: false,
  CreateObjectAsync: (progId) => settle(() => createObject(progId)),
  async_spawn: asyncSpawn,
  set: () => {},
  set_log_level: (level) => { plugin.current_log_level = level; },
  getLastError: (e) => {
    const err = e || lastError;
    if (!err) return '';
    return err.message || String(err);
  },
  ReleasePluginObjects: () => Promise.resolve(),
  is_capilite_enabled: () => false,
  get_extension_id: (cb) => { if (typeof cb === 'function') cb('zavera'); },
  get_extension_version: (cb) => { if (typeof cb === 'function') cb(EXTENSION_VERSION); },
});

if (!window.cadesplugin) {
  Object.defineProperty(window, 'cadesplugin', { value: plugin, writable: true, configurable: true, enumerable: true });
}
