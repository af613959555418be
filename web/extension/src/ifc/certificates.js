// Certificates and crypto devices in the IFCPlugin's formats, from the
// agent's tokens and certificates.
//
// A device (get_list_info's ifc_list) is one token: alias "Zavera", type
// "pkcs11", num the agent's token id, so that the page library's cryptoId
// is "Zavera/<token>" and a certificate's containerId
// "Zavera/<token>/<certificate id>". A certificate entry carries cert_sn
// (serial, hex), cert_subject and cert_issuer ("oid = value" lines joined
// by "\n"), cert_valid_from and cert_valid_to ("Apr  1 00:00:00 2015 GMT",
// as OpenSSL prints times), cert_sign_alg (the public key's algorithm OID)
// and id (the agent's certificate id).

const IFC_ALIAS = 'Zavera';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function ifcTime(date) {
  const d = new Date(date);
  const p = (n) => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()} GMT`;
}

function ifcName(attrs) {
  // The plug-in lists a name's attributes in the certificate's order.
  return attrs.slice().reverse().map(({ oid, value }) => `${oid} = ${value}`).join('\n');
}

function ifcDevice(token) {
  return {
    alias: IFC_ALIAS, name: 'Zavera', type: 'pkcs11', num: token.id, path: '',
    description: token.label || '', serial_number: token.serial || '', model: token.model || '',
    skip_pkcs11_list: '', alg: 'gost2012_256',
  };
}

function ifcCryptoId(token) {
  return `${IFC_ALIAS}/${token}`;
}

// ifcCertificate is the entry for one agent certificate; info is the
// parsed DER (der.js).
function ifcCertificate(record, info) {
  return {
    cert_sn: info.serial, cert_subject: ifcName(info.subject), cert_issuer: ifcName(info.issuer),
    cert_valid_from: ifcTime(info.notBefore), cert_valid_to: ifcTime(info.notAfter),
    cert_sign_alg: info.keyOid, id: record.id,
  };
}

// ifcCertificateInfo is get_x509_info's cert_info.
function ifcCertificateInfo(info) {
  const b64 = b64encode(info.der);
  const lines = b64.match(/.{1,64}/g) || [];
  return {
    cert_sn: info.serial, cert_subject: ifcName(info.subject), cert_issuer: ifcName(info.issuer),
    cert_valid_from: ifcTime(info.notBefore), cert_valid_to: ifcTime(info.notAfter),
    cert_sign_alg: info.keyOid, version: String(info.version), base64: b64,
    pem: `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`,
    extensions: info.extensions.map((e) => `${e.oid}${e.critical ? ' (critical)' : ''}`).join('\n'),
  };
}

// parseContainerId splits "Zavera/<token>/<certificate id>"; null for
// anything else (a container of another plug-in's device).
function parseContainerId(text) {
  const m = /^Zavera\/([^/]+)\/([^/]+)$/.exec(String(text || ''));
  return m ? { token: m[1], certificate: m[2] } : null;
}
