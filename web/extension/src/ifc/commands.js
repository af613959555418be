// The IFCPlugin commands ({func_name, params} → {error_code, ...}) over
// the agent. Commands run one at a time, in the order the page sent them,
// as the page library expects (it waits for each answer).
//
// The page's userPin is never read: the agent asks for the PIN in Zavera's
// window, after the user saw what is signed and for which site. Signature
// types 3 and 5 (CMS and CAdES-BES, attached) and 4 and 6 (detached) are
// CAdES-BES signatures by the agent; types 1 and 2 (a bare signature) and
// every command not listed in IFC_COMMANDS answer IFC_NOT_SUPPORTED.

const IFC = {
  OK: 0x0000, UNKNOWN: 0x0001, BAD_PARAMS: 0x0005, CERT_NOT_FOUND: 0x0009, CONTAINER_NOT_FOUND: 0x000A,
  KEY_NOT_FOUND: 0x000C, BAD_IN_TYPE: 0x000D, BAD_SIGN_TYPE: 0x000E, NOT_SUPPORTED: 0x0011,
  ERROR_VERIFY: 0x0013, ERROR_BASE64: 0x0014, P11_ERROR: 0x0017, NO_TOKENS: 0x0019, LOGIN_ERROR: 0x00A0,
  GENERAL: -1,
};
const IFC_VERSION = '3.0.0';
// Data the page gives inline is sent to the agent in one message up to
// this size, else streamed as an upload.
const IFC_INLINE_MAX = 4 * 1024 * 1024;
const IFC_MAX_HANDLES = 64;

// ifcErrorCode maps an agent error or a PortalError to the plug-in's code.
function ifcErrorCode(e) {
  if (e instanceof PortalError) return IFC.BAD_PARAMS;
  switch (reasonOf(e)) {
    case 'pin_incorrect': return IFC.LOGIN_ERROR;
    case 'pin_locked': return IFC.P11_ERROR;
    case 'token_not_found': return IFC.NO_TOKENS;
    case 'certificate_not_found': return IFC.CERT_NOT_FOUND;
    case 'bad_request': case 'too_large': return IFC.BAD_PARAMS;
    default: return IFC.GENERAL; // declined, cancelled, busy, unavailable
  }
}

class IFCSession {
  constructor(agent, origin) {
    this.agent = agent;
    this.origin = origin;
    this.handles = new Map(); // x509Handle → parsed certificate
    this.nextHandle = 1;
  }

  async certificates() {
    const r = await this.agent.call('certificates', {});
    return (r.certificates || []).map((c) => {
      const der = b64decode(c.certificate);
      return { record: c, info: parseCertificate(der) };
    });
  }

  async tokens() {
    return (await this.agent.call('tokens', {})).tokens || [];
  }

  async certList(cryptoId) {
    const certs = await this.certificates();
    return certs.filter(({ record }) => !cryptoId || ifcCryptoId(record.token) === cryptoId)
      .map(({ record, info }) => ifcCertificate(record, info));
  }

  async certificateOf(containerId) {
    const c = parseContainerId(containerId);
    if (!c) return null;
    const found = (await this.certificates()).find(({ record }) => record.id === c.certificate && record.token === c.token);
    return found || null;
  }

  addHandle(info) {
    if (this.handles.size >= IFC_MAX_HANDLES) this.handles.delete(this.handles.keys().next().value);
    const h = this.nextHandle++;
    this.handles.set(h, info);
    return h;
  }

  // run answers one command.
  async run(cmd) {
    if (!cmd || typeof cmd !== 'object' || typeof cmd.func_name !== 'string') return { error_code: IFC.BAD_PARAMS };
    const params = cmd.params && typeof cmd.params === 'object' ? cmd.params : {};
    const fn = IFC_COMMANDS[cmd.func_name];
    if (!fn) return { error_code: IFC.NOT_SUPPORTED };
    try {
      return Object.assign({ error_code: IFC.OK }, await fn.call(this, params));
    } catch (e) {
      if (e && e.ifc !== undefined) return { error_code: e.ifc };
      return { error_code: ifcErrorCode(e) };
    }
  }
}

function ifcFail(code) {
  const e = new Error(`ifc ${code}`);
  e.ifc = code;
  return e;
}

// inputBytes reads sign's and hash's data by inDataType: 1 a string (its
// UTF-8 bytes), 2 base64; 3 and 4 are a hash (hex, base64).
function inputBytes(params) {
  const data = params.data;
  if (typeof data !== 'string') throw ifcFail(IFC.BAD_PARAMS);
  switch (Number(params.inDataType)) {
    case 1: return { bytes: bytesOfString(data) };
    case 2:
      try { return { bytes: b64decode(data) }; } catch (_) { throw ifcFail(IFC.ERROR_BASE64); }
    case 3:
      try { return { hash: hexDecode(data) }; } catch (_) { throw ifcFail(IFC.BAD_PARAMS); }
    case 4:
      try { return { hash: b64decode(data) }; } catch (_) { throw ifcFail(IFC.ERROR_BASE64); }
    default: throw ifcFail(IFC.BAD_IN_TYPE);
  }
}

async function* oneChunkAtATime(bytes) {
  for (let i = 0; i < bytes.length; i += PORTAL_CHUNK) yield bytes.subarray(i, i + PORTAL_CHUNK);
}

const IFC_COMMANDS = {
  async create() { return {}; },
  async version() { return { version: IFC_VERSION, plugin_version: IFC_VERSION }; },
  async get_list_info() {
    return { ifc_list: (await this.tokens()).map(ifcDevice) };
  },
  async get_list_certs(params) {
    return { cert_list: await this.certList(params.cryptoID || params.cryptoId || '') };
  },
  async get_list_keys(params) {
    return { keys_list: await this.certList(params.cryptoID || params.cryptoId || '') };
  },
  async get_list_certs_by_cryptoid_array(params) {
    const wanted = Array.isArray(params.cryptoIdArray) ? params.cryptoIdArray.map(String) : null;
    const certs = await this.certificates();
    const byCrypto = new Map();
    for (const { record, info } of certs) {
      const id = ifcCryptoId(record.token);
      if (wanted && !wanted.includes(id)) continue;
      if (!byCrypto.has(id)) byCrypto.set(id, []);
      byCrypto.get(id).push(ifcCertificate(record, info));
    }
    return { intermediate: false, result_array: Array.from(byCrypto, ([crypto_id, cert_list]) => ({ crypto_id, cert_list })) };
  },
  async load_x509_from_container(params) {
    const found = await this.certificateOf(params.containerId);
    if (!found) throw ifcFail(IFC.CONTAINER_NOT_FOUND);
    return { x509Handle: this.addHandle(found.info) };
  },
  async load_x509_from_data(params) {
    let info;
    try { info = parseCertificate(b64decode(params.data)); } catch (_) { throw ifcFail(IFC.BAD_PARAMS); }
    return { x509Handle: this.addHandle(info) };
  },
  async get_x509_info(params) {
    const info = this.handles.get(Number(params.x509Handle));
    if (!info) throw ifcFail(IFC.BAD_PARAMS);
    return { cert_info: ifcCertificateInfo(info) };
  },
  async free_x509(params) {
    this.handles.delete(Number(params.x509Handle));
    return {};
  },
  async sign(params) {
    // params.userPin is deliberately not read.
    const type = Number(params.signType);
    if (type === 1 || type === 2) throw ifcFail(IFC.NOT_SUPPORTED);
    if (![3, 4, 5, 6].includes(type)) throw ifcFail(IFC.BAD_SIGN_TYPE);
    const attached = type === 3 || type === 5;
    const found = await this.certificateOf(params.containerId);
    if (!found) throw ifcFail(IFC.CONTAINER_NOT_FOUND);
    const input = inputBytes(params);
    const certificate = found.record.id;
    const description = 'Подпись для портала госуслуг (вход через ЕСИА или документ), запрошенная страницей';
    if (input.hash) {
      if (attached) throw ifcFail(IFC.BAD_IN_TYPE);
      const r = await this.agent.call('sign', { certificate, description, hash: b64encode(input.hash) });
      return { sign_value: r.signature };
    }
    if (input.bytes.length <= IFC_INLINE_MAX) {
      const r = await this.agent.call('sign', {
        certificate, description, name: 'данные страницы', attached, data: b64encode(input.bytes),
      });
      return { sign_value: r.signature };
    }
    const up = await uploadDocument(this.agent, {
      name: 'данные страницы', size: input.bytes.length, certificate, chunks: oneChunkAtATime(input.bytes),
    });
    try {
      const r = await this.agent.call('sign', { certificate, description, document: up.document, attached });
      if (!attached) return { sign_value: r.signature };
      const pre = b64decode(r.prefix);
      const suf = b64decode(r.suffix);
      const all = new Uint8Array(pre.length + input.bytes.length + suf.length);
      all.set(pre, 0);
      all.set(input.bytes, pre.length);
      all.set(suf, pre.length + input.bytes.length);
      return { sign_value: b64encode(all) };
    } finally {
      this.agent.call('documentCancel', { document: up.document }).catch(() => {});
    }
  },
  async hash(params) {
    const input = inputBytes(params);
    if (!input.bytes) throw ifcFail(IFC.BAD_IN_TYPE);
    let algorithm = 'Streebog-256';
    const found = params.containerId ? await this.certificateOf(params.containerId) : null;
    if (found && found.info.keyOid === '1.2.643.7.1.1.1.2') algorithm = 'Streebog-512';
    const { handle } = await this.agent.call('hashStart', { algorithm });
    for (let i = 0; i < input.bytes.length || i === 0; i += PORTAL_CHUNK) {
      await this.agent.call('hashUpdate', { handle, data: b64encode(input.bytes.subarray(i, i + PORTAL_CHUNK)) });
    }
    const r = await this.agent.call('hashFinish', { handle });
    return { hashValue: r.hash };
  },
  async verify(params) {
    const signature = params.sign || params.sign_value || params.signature;
    if (typeof signature !== 'string') throw ifcFail(IFC.BAD_PARAMS);
    const req = { signature: signature.replace(/\s/g, '') };
    const type = Number(params.signType);
    if ((type === 4 || type === 6) && params.data !== undefined) {
      const input = inputBytes(params);
      if (input.hash) req.hash = b64encode(input.hash);
      else req.data = b64encode(input.bytes);
    }
    const r = await this.agent.call('verify', req);
    // The plug-in checks the signature and the certificate; whether the
    // certificate's chain is trusted is the portal's server's decision.
    const signers = r.signers || [];
    if (!signers.length || !signers.every((x) => x.signatureValid && x.certificateValid)) throw ifcFail(IFC.ERROR_VERIFY);
    return { verify_result: true };
  },
};
