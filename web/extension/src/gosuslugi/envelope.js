// The gosuslugi.plugin message envelope (GosuslugiPluginMessage):
//   {id, node: "", error: "", mode, module: {type, version},
//    method: {type, data, result: ""},
//    meta: {format: {type, version, category: "gosuslugi.plugin"},
//           content, routes: [{node, time, transfer}], userAgent, chunk, chunks}}
// The page posts it to its own window with node "" and the route it comes
// from in meta.routes[0].node; the answer is the same envelope with the
// same id, node set to that route, method.data null, method.result a JSON
// string (or "" on an error), code "200" or an error code with error a
// Russian text, and this interface's node added to meta.routes.

const GOSUSLUGI_NODE = 'gosuslugi.plugin.extension.content';

// Error codes of this interface (strings, as the envelope's code).
const GOSUSLUGI_ERRORS = {
  bad_request: ['400', 'Неверный запрос к плагину.'],
  url_origin: ['403', 'Файл по ссылке не с сайта, который просит подпись: такой файл не загружается.'],
  origin_not_allowed: ['403', 'Доступ сайта к электронной подписи не разрешён пользователем.'],
  not_found: ['404', 'Файл не найден.'],
  certificate_not_found: ['404', 'Сертификат не найден на подключённых ключевых носителях.'],
  token_not_found: ['404', 'Ключевой носитель не найден.'],
  fetch: ['404', 'Не удалось загрузить файл по ссылке.'],
  out_of_order: ['409', 'Части файла пришли не по порядку: подпись отменена.'],
  size_mismatch: ['409', 'Размер файла не совпадает с заявленным: подпись отменена.'],
  chunk_too_large: ['413', 'Часть файла больше 512 КиБ: подпись отменена.'],
  too_large: ['413', 'Файл больше 100 МиБ или подпись с файлом больше 10 МиБ.'],
  cancelled: ['499', 'Действие отменено.'],
  pin_incorrect: ['401', 'Указан неправильный PIN-код.'],
  pin_locked: ['423', 'PIN-код ключевого носителя заблокирован.'],
  busy: ['429', 'Слишком много запросов, повторите попытку позже.'],
  not_supported: ['501', 'Этот метод не поддерживается Zavera.'],
  unavailable: ['503', 'Служба электронной подписи Zavera недоступна: проверьте, что программа Zavera установлена.'],
};

// gosuslugiError gives [code, text] for a PortalError or an agent error.
function gosuslugiError(e) {
  let kind = e instanceof PortalError ? e.kind : reasonOf(e);
  if (kind === 'declined') kind = 'cancelled';
  if (kind === 'duplicate' || kind === 'already_complete') kind = 'out_of_order';
  if (kind === 'incomplete') kind = 'size_mismatch';
  if (kind === 'unknown_document' || kind === 'too_many_uploads' || kind === 'wrong_digest') kind = 'bad_request';
  return GOSUSLUGI_ERRORS[kind] || GOSUSLUGI_ERRORS.bad_request;
}

// isGosuslugiRequest tells the page's requests from everything else posted
// to the window (this interface's own answers have a non-empty node).
function isGosuslugiRequest(m) {
  return !!m && typeof m === 'object' && typeof m.id === 'string' && m.id.length > 0 && m.id.length <= 128 &&
    m.node === '' && m.meta && typeof m.meta === 'object' && m.meta.format && m.meta.format.category === 'gosuslugi.plugin' &&
    m.method && typeof m.method === 'object' && typeof m.method.type === 'string';
}

function routeOf(m) {
  const r = m.meta && Array.isArray(m.meta.routes) && m.meta.routes[0];
  return r && typeof r.node === 'string' && r.node ? r.node : 'gosuslugi.plugin';
}

// gosuslugiAnswer builds the answer to request m; result is any JSON
// value (stringified into method.result), err an error.
function gosuslugiAnswer(m, { result, err, type } = {}) {
  const meta = {
    format: m.meta.format, content: { type: 'application/json', charset: 'utf8', transferEncoding: '' },
    routes: (Array.isArray(m.meta.routes) ? m.meta.routes.slice(0, 8) : []).concat([{ node: GOSUSLUGI_NODE, time: new Date().toISOString(), transfer: '' }]),
  };
  if (m.meta.chunk !== undefined) {
    meta.chunk = String(m.meta.chunk);
    meta.chunks = String(m.meta.chunks);
  }
  const answer = {
    id: m.id, node: routeOf(m), error: '', code: '200', mode: m.mode || '',
    module: m.module && typeof m.module === 'object' ? { type: String(m.module.type || '') } : { type: '' },
    method: { type: type || m.method.type, data: null, result: '' },
    meta,
  };
  if (err) {
    const [code, text] = gosuslugiError(err);
    answer.code = code;
    answer.error = text;
  } else {
    answer.method.result = typeof result === 'string' ? result : JSON.stringify(result === undefined ? null : result);
  }
  return answer;
}
