// CAdESCOM.Store, Certificates and Certificate over the agent's
// `certificates`: the personal store ("My" of the current user, or the
// container store) holds the certificates whose key is on a token; the
// other stores are empty.

const KEY_ALGORITHMS = {
  '1.2.643.7.1.1.1.1': ['ГОСТ Р 34.10-2012 256 бит', 80, 'Crypto-Pro GOST R 34.10-2012 Cryptographic Service Provider', 256],
  '1.2.643.7.1.1.1.2': ['ГОСТ Р 34.10-2012 512 бит', 81, 'Crypto-Pro GOST R 34.10-2012 Strong Cryptographic Service Provider', 512],
  '1.2.643.2.2.19': ['ГОСТ Р 34.10-2001', 75, 'Crypto-Pro GOST R 34.10-2001 Cryptographic Service Provider', 256],
  '1.2.840.113549.1.1.1': ['RSA', 1, 'Microsoft Enhanced RSA and AES Cryptographic Provider', 0],
  '1.2.840.10045.2.1': ['ECC', 0, 'Microsoft Software Key Storage Provider', 0],
};

const EKU_NAMES = {
  '1.3.6.1.5.5.7.3.1': 'Проверка подлинности сервера', '1.3.6.1.5.5.7.3.2': 'Проверка подлинности клиента',
  '1.3.6.1.5.5.7.3.4': 'Защищенная электронная почта',
};

// agentCertificates asks the agent for the user's certificates and reads
// each one.
async function agentCertificates() {
  const res = await agentCall('certificates', {});
  const out = [];
  for (const c of res.certificates || []) {
    try {
      out.push({ info: parseCertificate(b64decode(c.certificate)), agentId: c.id });
    } catch (e) {
      console.warn('zavera: a certificate the agent listed could not be read', e);
    }
  }
  return out;
}

function storeObject() {
  const impl = { kind: 'Store', location: 2, name: 'My', certs: [], open: false };
  return makeObject(impl, {
    props: {
      Certificates: { get: () => certificatesObject(impl.certs) },
      Location: { get: () => impl.location },
      Name: { get: () => impl.name },
    },
    methods: {
      async Open(location, name, mode) {
        impl.location = num(location, 2);
        impl.name = name === undefined || name === null ? 'My' : String(name);
        num(mode, 2);
        const personal = (impl.location === 2 || impl.location === 4) && impl.name.toLowerCase() === 'my';
        impl.certs = personal || impl.location === 100 ? await agentCertificates() : [];
        impl.open = true;
      },
      Close() { impl.open = false; },
      Add() { throw cadesError('notImplemented', 'Store.Add'); },
      Delete() { throw cadesError('notImplemented', 'Store.Delete'); },
    },
  });
}

function timeValid(info, at) {
  return info.notBefore <= at && at <= info.notAfter;
}

const KEY_USAGE_NAMES = {
  digitalsignature: 0x80, nonrepudiation: 0x40, keyencipherment: 0x20, dataencipherment: 0x10,
  keyagreement: 0x08, keycertsign: 0x04, crlsign: 0x02,
};

function findCertificates(certs, type, criteria, validOnly) {
  const t = num(type, 0);
  const now = new Date();
  let out;
  switch (t) {
    case 0: { // SHA1_HASH
      const want = String(criteria || '').replace(/\s/g, '').toUpperCase();
      out = certs.filter((c) => c.info.thumbprint === want);
      break;
    }
    case 1: case 2: case 3: { // SUBJECT_NAME, ISSUER_NAME, ROOT_NAME: a substring, case ignored
      const want = String(criteria || '').toLowerCase();
      out = certs.filter((c) => (t === 1 ? c.info.subjectName : c.info.issuerName).toLowerCase().includes(want));
      break;
    }
    case 5: // EXTENSION (by OID)
      out = certs.filter((c) => c.info.extensions.some((e) => e.oid === String(criteria)));
      break;
    case 6: // EXTENDED_PROPERTY: every certificate here has its key (KEY_PROV_INFO) and nothing else
      out = num(criteria, 0) === 2 ? certs.slice() : [];
      break;
    case 7: // APPLICATION_POLICY: an EKU; no EKU extension allows every use
      out = certs.filter((c) => !c.info.ekus || c.info.ekus.oids.includes(String(criteria)));
      break;
    case 8: // CERTIFICATE_POLICY
      out = certs.filter((c) => c.info.policies.includes(String(criteria)));
      break;
    case 9: case 10: case 11: { // TIME_VALID, TIME_NOT_YET_VALID, TIME_EXPIRED
      const at = criteria === undefined || criteria === null || criteria === '' ? now : new Date(criteria);
      if (Number.isNaN(at.getTime())) throw cadesError('badData');
      out = certs.filter((c) => (t === 9 ? timeValid(c.info, at) : t === 10 ? at < c.info.notBefore : at > c.info.notAfter));
      break;
    }
    case 12: { // KEY_USAGE: a bit mask or a name; no extension allows every use
      const mask = typeof criteria === 'string' && Number.isNaN(Number(criteria))
        ? KEY_USAGE_NAMES[criteria.replace(/^CERT_|_KEY_USAGE$/gi, '').replace(/[_\s]/g, '').toLowerCase()] || 0
        : num(criteria, 0);
      out = certs.filter((c) => !c.info.keyUsage || (c.info.keyUsage.bits & mask) === mask);
      break;
    }
    case 4: // TEMPLATE_NAME
      out = [];
      break;
    default:
      throw cadesError('badData');
  }
  if (validOnly) out = out.filter((c) => timeValid(c.info, now));
  return out;
}

function certificatesObject(certs) {
  const list = certs.slice();
  return makeObject({ kind: 'Certificates', list }, {
    props: { Count: { get: () => list.length } },
    methods: {
      Item(i) {
        const n = num(i, 0);
        if (!Number.isInteger(n) || n < 1 || n > list.length) throw cadesError('badData');
        return certificateObject(list[n - 1]);
      },
      Find(type, criteria, validOnly) { return certificatesObject(findCertificates(list, type, criteria, validOnly)); },
    },
  });
}

// collectionObject: Count and 1-based Item over a list of plug-in objects.
function collectionObject(items, kind = 'Collection') {
  return makeObject({ kind, items }, {
    props: { Count: { get: () => items.length } },
    methods: {
      Item(i) {
        const n = num(i, 0);
        if (!Number.isInteger(n) || n < 1 || n > items.length) throw cadesError('badData');
        return items[n - 1];
      },
    },
  });
}

function oidObject(oid, name) {
  return makeObject({ kind: 'OID' }, {
    props: { Value: { get: () => oid }, FriendlyName: { get: () => name }, Name: { get: () => 0 } },
  });
}

// certificateObject: a record is {info, agentId}; agentId is null for a
// certificate imported by the page (it has no key here).
function certificateObject(record) {
  const impl = { kind: 'Certificate', record };
  const need = () => {
    if (!impl.record) throw cadesError('badData', 'Сертификат не загружен.');
    return impl.record.info;
  };
  const alg = () => KEY_ALGORITHMS[need().keyOid] || [need().keyOid, 0, '', 0];
  return makeObject(impl, {
    props: {
      Thumbprint: { get: () => need().thumbprint },
      SubjectName: { get: () => need().subjectName },
      IssuerName: { get: () => need().issuerName },
      SerialNumber: { get: () => need().serial },
      ValidFromDate: { get: () => need().notBefore.toISOString() },
      ValidToDate: { get: () => need().notAfter.toISOString() },
      Version: { get: () => need().version },
      PrivateKey: {
        get: () => {
          if (!impl.record || !impl.record.agentId) throw cadesError('certificateNotFound');
          const [, type, provider] = alg();
          const container = `zavera-${impl.record.agentId}`;
          return makeObject({ kind: 'PrivateKey' }, {
            props: {
              ProviderName: { get: () => provider }, ProviderType: { get: () => type },
              ContainerName: { get: () => container }, UniqueContainerName: { get: () => container },
              KeySpec: { get: () => 2 }, IsRemovable: { get: () => true }, IsHardwareDevice: { get: () => true },
              IsExportable: { get: () => false }, IsProtected: { get: () => true },
            },
          });
        },
      },
    },
    methods: {
      HasPrivateKey: () => Boolean(impl.record && impl.record.agentId),
      IsValid: () => {
        const ok = timeValid(need(), new Date());
        return makeObject({ kind: 'CertificateStatus' }, { props: { Result: { get: () => ok } } });
      },
      Export: (encoding) => {
        if (num(encoding, 0) === 1) return String.fromCharCode.apply(null, need().der);
        return b64encode(need().der);
      },
      Import: (data) => {
        const text = String(data || '').replace(/-----(BEGIN|END) CERTIFICATE-----/g, '');
        let info;
        try {
          info = parseCertificate(b64decode(text));
        } catch (e) {
          if (e.reason) throw e;
          throw cadesError('badData');
        }
        impl.record = { info, agentId: null };
      },
      GetInfo: (type) => {
        const info = need();
        switch (num(type, 0)) {
          case 0: return simpleName(info.subject);
          case 1: return simpleName(info.issuer);
          case 2: return emailName(info.subject);
          case 3: return emailName(info.issuer);
          default: return '';
        }
      },
      PublicKey: () => {
        const info = need();
        const [name, , , bits] = alg();
        return makeObject({ kind: 'PublicKey' }, {
          props: {
            Algorithm: { get: () => oidObject(info.keyOid, name) },
            Length: { get: () => bits || info.publicKey.length * 8 },
            EncodedKey: { get: () => encodedData(info.publicKey) },
            EncodedParameters: { get: () => encodedData(info.keyParams) },
          },
        });
      },
      KeyUsage: () => {
        const ku = need().keyUsage;
        const bit = (m) => ({ get: () => Boolean(ku && (ku.bits & m)) });
        return makeObject({ kind: 'KeyUsage' }, {
          props: {
            IsPresent: { get: () => Boolean(ku) }, IsCritical: { get: () => Boolean(ku && ku.critical) },
            IsDigitalSignatureEnabled: bit(0x80), IsNonRepudiationEnabled: bit(0x40),
            IsKeyEnciphermentEnabled: bit(0x20), IsDataEnciphermentEnabled: bit(0x10),
            IsKeyAgreementEnabled: bit(0x08), IsKeyCertSignEnabled: bit(0x04), IsCRLSignEnabled: bit(0x02),
            IsEncipherOnlyEnabled: bit(0x01), IsDecipherOnlyEnabled: bit(0x8000),
          },
        });
      },
      ExtendedKeyUsage: () => {
        const eku = need().ekus;
        const items = (eku ? eku.oids : []).map((oid) => makeObject({ kind: 'EKU' }, {
          props: { OID: { get: () => oid }, Name: { get: () => 0 }, FriendlyName: { get: () => EKU_NAMES[oid] || oid } },
        }));
        return makeObject({ kind: 'ExtendedKeyUsage' }, {
          props: {
            IsPresent: { get: () => Boolean(eku) }, IsCritical: { get: () => Boolean(eku && eku.critical) },
            EKUs: { get: () => collectionObject(items, 'EKUs') },
          },
        });
      },
      FindPrivateKey: () => {
        if (!impl.record || !impl.record.agentId) throw cadesError('certificateNotFound');
      },
    },
  });
}

function encodedData(bytes) {
  return makeObject({ kind: 'EncodedData' }, {
    methods: {
      Value: (encoding) => (num(encoding, 0) === 1 ? String.fromCharCode.apply(null, bytes) : b64encode(bytes)),
      Format: () => '',
    },
  });
}

function newCertificateObject() {
  return certificateObject(null);
}
