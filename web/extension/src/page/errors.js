// Errors as pages read them from the plug-in: an Error whose message is
// Russian text followed by the CryptoAPI-style code in parentheses (pages
// match on both). The agent's stable reasons map onto the codes CryptoPro
// gives for the same situation.

const ERRORS = {
  cancelled: ['Действие было отменено пользователем.', 0x8010006e],
  originNotAllowed: ['Доступ сайта к электронной подписи не разрешён пользователем.', 0x000004c7],
  pinIncorrect: ['Указан неправильный PIN-код.', 0x8010006b],
  pinLocked: ['PIN-код ключевого носителя заблокирован.', 0x8010006c],
  tokenNotFound: ['Набор ключей не существует: ключевой носитель не найден.', 0x80090016],
  certificateNotFound: ['Не удается найти сертификат и закрытый ключ для расшифровки.', 0x8009200b],
  noSigner: ['Не задан сертификат подписи.', 0x80092004],
  badData: ['Неправильный параметр.', 0x80070057],
  tooLarge: ['Слишком большой объём данных.', 0x80070057],
  busy: ['Запрос отклонён: слишком много запросов, повторите попытку позже.', 0x800700aa],
  internal: ['Внутренняя ошибка службы электронной подписи.', 0x80004005],
  unavailable: ['Служба электронной подписи Zavera недоступна: проверьте, что программа Zavera установлена.', 0x80004005],
  notImplemented: ['Этот метод не поддерживается Zavera.', 0x80004001],
  notYetAvailable: ['Эта операция требует более новой версии Zavera.', 0x80004001],
  timestampUnavailable: ['Не удалось получить штамп времени или данные о статусе сертификата: служба штампов времени или удостоверяющего центра недоступна.', 0x80072efd],
  noTimestamp: ['Подпись не содержит штампа времени.', 0x80092004],
  revoked: ['Сертификат отозван.', 0x80092010],
  tsaRefused: ['Адрес службы штампов времени (TSAAddress), указанный сайтом, не разрешён настройками Zavera: подпись делается со службой, которую задал администратор.', 0x80070057],
  badSignature: ['Неправильная подпись.', 0x80090006],
  badHash: ['Значение хеша неправильно.', 0x80091007],
  badChain: ['Не удалось построить цепочку сертификатов до доверенного корневого центра.', 0x800b010a],
  badCertificate: ['Сертификат недействителен.', 0x800b0101],
  unknownObject: ['Недопустимая строка с указанием класса.', 0x800401f3],
  badHashAlgorithm: ['Неправильный алгоритм хеширования.', 0x80090008],
};

function hex32(n) {
  return (n >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

function cadesError(kind, extra) {
  const [text, code] = ERRORS[kind] || ERRORS.internal;
  const e = new Error(`${extra ? `${text} ${extra}` : text} (0x${hex32(code)})`);
  e.number = code | 0;
  e.reason = kind;
  return e;
}

// agentError turns an agent's JSON-RPC error into the plug-in's error,
// keeping the agent's code as agentCode.
function agentError(err) {
  const e = pluginError(err);
  e.agentCode = err && err.code;
  return e;
}

function pluginError(err) {
  const reason = err && err.data && err.data.reason;
  switch (reason) {
    case 'cancelled': return cadesError('cancelled');
    case 'origin_not_allowed': return cadesError('originNotAllowed');
    case 'pin_incorrect': return cadesError('pinIncorrect');
    case 'pin_locked': return cadesError('pinLocked');
    case 'token_not_found': return cadesError('tokenNotFound');
    case 'certificate_not_found': return cadesError('certificateNotFound');
    case 'too_large': return cadesError('tooLarge');
    case 'busy': return cadesError('busy');
    // The agent's 1011: a TSA or responder of a long-term signature; the
    // extension's own unavailable agent stays as it was.
    case 'unavailable': return cadesError(err.code === 1011 ? 'timestampUnavailable' : 'unavailable');
    case 'bad_request':
      if (err.code === -32601) return cadesError('notYetAvailable');
      return cadesError('badData');
    default: return cadesError('internal');
  }
}
