// Bytes, base64, SHA-1 and the few parts of X.509 the page API reports
// (names in CryptoAPI's string form, serial, validity, key usage, extended
// key usage, policies). Certificates come from the agent as DER; nothing
// here trusts a page's input beyond reading it.

function b64encode(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

function b64decode(text) {
  const clean = String(text).replace(/[\s\r\n]/g, '');
  let bin;
  try {
    bin = atob(clean);
  } catch (_) {
    throw cadesError('badData');
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// utf16le gives a JS string's code units as little-endian bytes, as the
// plug-in signs a string Content (CADESCOM_STRING_TO_UCS2LE).
function utf16le(text) {
  const s = String(text);
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[2 * i] = c & 0xff;
    out[2 * i + 1] = c >>> 8;
  }
  return out;
}

function hexUpper(bytes) {
  let s = '';
  for (const b of bytes) s += (b < 16 ? '0' : '') + b.toString(16);
  return s.toUpperCase();
}

function hexDecode(text) {
  const clean = String(text).replace(/\s/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw cadesError('badData');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(2 * i, 2), 16);
  return out;
}

// sha1 is FIPS 180-4 SHA-1, used only for certificate thumbprints (the
// plug-in's identifier of a certificate), never for a signature.
function sha1(bytes) {
  const ml = bytes.length;
  const padded = new Uint8Array(((ml + 9 + 63) >> 6) << 6);
  padded.set(bytes);
  padded[ml] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(ml / 0x20000000));
  view.setUint32(padded.length - 4, (ml << 3) >>> 0);
  let h0 = 0x67452301, h1 = 0xefcdab89, h2 = 0x98badcfe, h3 = 0x10325476, h4 = 0xc3d2e1f0;
  const w = new Uint32Array(80);
  const rotl = (x, n) => (x << n) | (x >>> (32 - n));
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + 4 * i);
    for (let i = 16; i < 80; i++) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    let a = h0, b = h1, c = h2, d = h3, e = h4;
    for (let i = 0; i < 80; i++) {
      let f, k;
      if (i < 20) { f = (b & c) | (~b & d); k = 0x5a827999; }
      else if (i < 40) { f = b ^ c ^ d; k = 0x6ed9eba1; }
      else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdc; }
      else { f = b ^ c ^ d; k = 0xca62c1d6; }
      const t = (rotl(a, 5) + f + e + k + w[i]) >>> 0;
      e = d; d = c; c = rotl(b, 30) >>> 0; b = a; a = t;
    }
    h0 = (h0 + a) >>> 0; h1 = (h1 + b) >>> 0; h2 = (h2 + c) >>> 0; h3 = (h3 + d) >>> 0; h4 = (h4 + e) >>> 0;
  }
  const out = new Uint8Array(20);
  const ov = new DataView(out.buffer);
  [h0, h1, h2, h3, h4].forEach((h, i) => ov.setUint32(4 * i, h));
  return out;
}

// derRead reads one TLV at off: {tag, start (of the value), end, next}.
function derRead(buf, off) {
  if (off + 2 > buf.length) throw new Error('truncated DER');
  const tag = buf[off];
  let len = buf[off + 1];
  let start = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i];
    start += n;
  }
  const end = start + len;
  if (end > buf.length) throw new Error('truncated DER');
  return { tag, off, start, end, next: end };
}

function derChildren(buf, node) {
  const out = [];
  for (let off = node.start; off < node.end;) {
    const c = derRead(buf, off);
    out.push(c);
    off = c.next;
  }
  return out;
}

function derOid(buf, node) {
  const b = buf.subarray(node.start, node.end);
  const parts = [];
  let v = 0;
  for (let i = 0; i < b.length; i++) {
    v = v * 128 + (b[i] & 0x7f);
    if (!(b[i] & 0x80)) {
      if (parts.length === 0) {
        const first = v < 80 ? Math.floor(v / 40) : 2;
        parts.push(first, v - first * 40);
      } else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

function derString(buf, node) {
  const b = buf.subarray(node.start, node.end);
  switch (node.tag) {
    case 0x1e: { // BMPString
      let s = '';
      for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode((b[i] << 8) | b[i + 1]);
      return s;
    }
    case 0x0c: // UTF8String
      return new TextDecoder('utf-8').decode(b);
    case 0x12: case 0x13: case 0x16: case 0x14: case 0x1a: // numeric, printable, IA5, teletex, visible
      return String.fromCharCode.apply(null, b);
    default:
      return hexUpper(b);
  }
}

function derTime(buf, node) {
  const s = String.fromCharCode.apply(null, buf.subarray(node.start, node.end));
  let m;
  if (node.tag === 0x17 && (m = s.match(/^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/))) {
    const y = Number(m[1]) < 50 ? 2000 + Number(m[1]) : 1900 + Number(m[1]);
    return new Date(Date.UTC(y, m[2] - 1, m[3], m[4], m[5], m[6]));
  }
  if ((m = s.match(/^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/))) {
    return new Date(Date.UTC(m[1], m[2] - 1, m[3], m[4], m[5], m[6]));
  }
  throw new Error('bad certificate time');
}

// The short names CryptoAPI's CertNameToStr gives attribute types; others
// appear as OID.x.y.z.
const NAME_KEYS = {
  '2.5.4.3': 'CN', '2.5.4.4': 'SN', '2.5.4.42': 'G', '2.5.4.6': 'C', '2.5.4.8': 'S', '2.5.4.7': 'L',
  '2.5.4.9': 'STREET', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.12': 'T', '2.5.4.5': 'SERIALNUMBER',
  '2.5.4.43': 'I', '2.5.4.46': 'dnQualifier', '1.2.840.113549.1.9.1': 'E', '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.643.100.1': 'OGRN', '1.2.643.100.3': 'SNILS', '1.2.643.3.131.1.1': 'INN', '1.2.643.100.4': 'INNLE',
  '1.2.643.100.5': 'OGRNIP',
};

// nameAttributes lists a Name's attributes in the order CryptoAPI prints
// them: the last RDN first.
function nameAttributes(buf, node) {
  const out = [];
  for (const rdn of derChildren(buf, node)) {
    for (const atv of derChildren(buf, rdn)) {
      const [t, v] = derChildren(buf, atv);
      out.push({ oid: derOid(buf, t), value: derString(buf, v) });
    }
  }
  return out.reverse();
}

function nameString(attrs) {
  return attrs.map(({ oid, value }) => {
    const key = NAME_KEYS[oid] || `OID.${oid}`;
    const quoted = /[,+="\n<>#;]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
    return `${key}=${quoted}`;
  }).join(', ');
}

// parseCertificate reads what the page API reports from a DER certificate.
function parseCertificate(der) {
  const cert = derRead(der, 0);
  const [tbs, sigAlg] = derChildren(der, cert);
  const f = derChildren(der, tbs);
  let i = 0;
  let version = 1;
  if (f[0].tag === 0xa0) {
    const v = derRead(der, f[0].start);
    version = der[v.end - 1] + 1;
    i = 1;
  }
  const serialNode = f[i];
  const issuer = nameAttributes(der, f[i + 2]);
  const [nb, na] = derChildren(der, f[i + 3]);
  const subject = nameAttributes(der, f[i + 4]);
  const spki = f[i + 5];
  const [spkiAlg, spkiKey] = derChildren(der, spki);
  const spkiAlgParts = derChildren(der, spkiAlg);
  const info = {
    der,
    thumbprint: hexUpper(sha1(der)),
    version,
    serial: hexUpper(der.subarray(serialNode.start, serialNode.end)).replace(/^00(?=..)/, ''),
    issuer, subject,
    issuerName: nameString(issuer), subjectName: nameString(subject),
    notBefore: derTime(der, nb), notAfter: derTime(der, na),
    keyOid: derOid(der, spkiAlgParts[0]),
    keyParams: spkiAlgParts[1] ? der.slice(spkiAlgParts[1].off, spkiAlgParts[1].end) : new Uint8Array(0),
    publicKey: der.slice(spkiKey.start + 1, spkiKey.end),
    signatureOid: derOid(der, derChildren(der, sigAlg)[0]),
    extensions: [], keyUsage: null, ekus: null, policies: [],
  };
  for (const ext of f.slice(i + 6)) {
    if (ext.tag !== 0xa3) continue;
    for (const e of derChildren(der, derRead(der, ext.start))) {
      const parts = derChildren(der, e);
      const oid = derOid(der, parts[0]);
      const critical = parts.length === 3 && der[parts[1].start] !== 0;
      const value = derRead(der, parts[parts.length - 1].start);
      info.extensions.push({ oid, critical });
      if (oid === '2.5.29.15') {
        const b = der.subarray(value.start + 1, value.end);
        info.keyUsage = { critical, bits: (b[0] || 0) | ((b[1] || 0) << 8) };
      } else if (oid === '2.5.29.37') {
        info.ekus = { critical, oids: derChildren(der, value).map((n) => derOid(der, n)) };
      } else if (oid === '2.5.29.32') {
        info.policies = derChildren(der, value).map((p) => derOid(der, derChildren(der, p)[0]));
      }
    }
  }
  return info;
}

function simpleName(attrs) {
  const cn = attrs.find((a) => a.oid === '2.5.4.3');
  if (cn) return cn.value;
  const o = attrs.find((a) => a.oid === '2.5.4.10');
  return o ? o.value : '';
}

function emailName(attrs) {
  const e = attrs.find((a) => a.oid === '1.2.840.113549.1.9.1');
  return e ? e.value : '';
}
