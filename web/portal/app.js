// The demo portal's page: login by certificate, the organisation
// registration request and filings, signed through the Zavera agent with
// the client in zavera.js and verified by the portal's server.

import { connect, fromBase64, ZaveraError } from "./zavera.js";
import { validateINNLE, validateKPP, validateOGRN } from './ruid.js';

const $ = (id) => document.getElementById(id);
const MAX_DOC = 5 * 1024 * 1024;

let config = { agentPort: 27413 };
let me = null;
let zavera = null;

// ---- talking to the portal's server ----

class PortalError extends Error {
  constructor(message, fields) {
    super(message);
    this.fields = fields || [];
  }
}

async function api(path, { method = 'GET', json, form } = {}) {
  const init = { method, credentials: 'same-origin', headers: {} };
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  } else if (form) {
    init.body = form;
  }
  const r = await fetch(path, init);
  let body = null;
  try { body = await r.json(); } catch (_) { /* no body */ }
  if (!r.ok) throw new PortalError((body && body.error) || `Ошибка сервера (${r.status})`, body && body.fields);
  return body;
}

// ---- talking to Zavera ----

function agentPort() {
  const q = new URLSearchParams(location.search).get('agentPort');
  return q && /^\d{1,5}$/.test(q) ? Number(q) : config.agentPort;
}

async function getZavera() {
  if (zavera && !zavera.closed) return zavera;
  hideNotice();
  setBusy(true, 'Подключение к Zavera…');
  try {
    zavera = await connect({
      port: agentPort(),
      lang: 'ru',
      client: 'demo-portal',
      onPairing: (code) => { $('pairing-code').textContent = code; $('pairing').hidden = false; },
    });
    zavera.onClose(() => { zavera = null; });
    await zavera.onTokenEvent((e) => {
      const label = e.kind === 'tokenRemoved' ? 'removed' : e.kind === 'tokenInserted' ? 'inserted' : '';
      if (!label) return;
      $('notice').dataset.token = label;
      if (label === 'removed') showNotice('Токен извлечён. Вставьте токен, чтобы подписывать.');
      else showNotice('Токен вставлен.', { ok: true });
    });
    return zavera;
  } finally {
    $('pairing').hidden = true;
    setBusy(false);
  }
}

// ---- notices ----

let retryAction = null;

function showNotice(text, { ok = false, retry = null } = {}) {
  $('notice').hidden = false;
  $('notice').classList.toggle('ok', ok);
  $('notice-text').textContent = text;
  retryAction = retry;
  $('notice-retry').hidden = !retry;
}

function hideNotice() { $('notice').hidden = true; }

function showError(e, retry) {
  if (e instanceof ZaveraError) {
    $('notice').dataset.reason = e.reason;
    showNotice(e.message, { retry: e.retryable ? retry : null });
  } else if (e instanceof PortalError) {
    delete $('notice').dataset.reason;
    showNotice(e.message, { retry });
  } else {
    delete $('notice').dataset.reason;
    showNotice('Что-то пошло не так: ' + (e && e.message ? e.message : e), { retry });
  }
}

function setBusy(on, text) {
  document.body.classList.toggle('busy', on);
  if (on && text) $('notice-text').textContent = text;
}

function guarded(fn) {
  const run = async (...args) => {
    try {
      await fn(...args);
    } catch (e) {
      showError(e, () => run(...args));
    }
  };
  return run;
}

// ---- views ----

function show(view) {
  $('login-view').hidden = view !== 'login';
  $('cabinet-view').hidden = view === 'login';
  $('user').hidden = view === 'login';
}

function showPane(name) {
  for (const p of ['profile', 'accounts', 'filings']) $(`${p}-pane`).hidden = p !== name;
  $('nav-cabinet').classList.toggle('active', name === 'profile');
  $('nav-accounts').classList.toggle('active', name === 'accounts');
  $('nav-filings').classList.toggle('active', name === 'filings');
}

function el(tag, text, attrs = {}) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function formatSize(n) {
  if (n < 1024) return `${n} Б`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} КБ`;
  return `${(n / 1024 / 1024).toFixed(1)} МБ`;
}

function renderMe() {
  const p = me.person;
  $('user-name').textContent = p.name;
  $('profile-name').textContent = p.name;
  $('profile-snils').textContent = p.snils.replace(/^(\d{3})(\d{3})(\d{3})(\d{2})$/, '$1-$2-$3 $4');
  $('profile-inn').textContent = p.inn || '—';
  $('profile-title').textContent = p.title ? `${p.title}, ${p.organization || ''}` : '—';
  const list = $('profile-orgs');
  list.replaceChildren();
  for (const o of me.organizations || []) {
    list.append(el('li', `${o.name} — ИНН ${o.inn}, ОГРН ${o.ogrn} (${o.role}${o.source === 'registration' ? ', зарегистрирована на портале' : ''})`));
  }
  if (!list.children.length) list.append(el('li', 'Нет организаций'));
  const regs = $('registrations');
  regs.replaceChildren();
  for (const r of me.registrations || []) {
    regs.append(el('li', `Заявление ${r.id}: ${r.form.fullName} — ${r.status}${r.reason ? ` (${r.reason})` : ''}`));
  }
}

async function refreshMe() {
  me = await api('/api/me');
  renderMe();
}

// Lists certificates as buttons; resolves with the chosen one.
function chooseCertificate(list, certs, action) {
  list.replaceChildren();
  return new Promise((resolve) => {
    for (const c of certs) {
      const s = c.subject;
      const li = el('li');
      li.append(el('span', `${s.commonName || ''}${s.title ? `, ${s.title}` : ''}${s.organization ? `, ${s.organization}` : ''} — действителен до ${c.notAfter.slice(0, 10)}`));
      const b = el('button', action, { 'data-certificate': c.id, class: 'primary' });
      b.addEventListener('click', () => { list.replaceChildren(); resolve(c); });
      li.append(b);
      list.append(li);
    }
  });
}

// ---- login ----

const login = guarded(async () => {
  const z = await getZavera();
  const certs = await z.certificates({ validNow: true });
  if (!certs.length) {
    showNotice('На токенах нет действующих сертификатов. Вставьте токен с электронной подписью.', { retry: login });
    return;
  }
  const c = await chooseCertificate($('login-certs'), certs, 'Войти');
  const ch = await api('/api/login/challenge', { method: 'POST', json: {} });
  const sig = await z.signChallenge({ certificate: c.id, nonce: ch.nonce, description: ch.description });
  const r = await api('/api/login', { method: 'POST', json: { nonce: ch.nonce, origin: location.origin, signature: sig.signature } });
  me = { ...r, registrations: [] };
  hideNotice();
  show('cabinet');
  showPane('profile');
  await refreshMe();
});

// ---- organisation registration ----

let currentReg = null;

function clientCheck(form) {
  const errs = [];
  const v = (n) => form.elements[n].value.trim();
  const mark = (n, msg) => { errs.push({ field: n, message: msg }); };
  if (v('fullName').length < 3) mark('fullName', 'Полное наименование: заполните поле');
  for (const [n, f] of [['inn', validateINNLE], ['ogrn', validateOGRN], ['kpp', validateKPP]]) {
    const m = f(v(n));
    if (m) mark(n, m);
  }
  if (v('address').length < 10) mark('address', 'Юридический адрес: заполните поле');
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v('email'))) mark('email', 'Электронная почта: адрес вида name@example.ru');
  const digits = v('phone').replace(/[\s()+-]/g, '');
  if (!/^\d{10,15}$/.test(digits)) mark('phone', 'Телефон: номер вида +7 495 123-45-67');
  const files = form.elements.documents.files;
  if (!files.length) mark('documents', 'Приложите учредительные документы (PDF)');
  for (const f of files) {
    if (!/\.pdf$/i.test(f.name) || (f.type && f.type !== 'application/pdf')) mark('documents', `«${f.name}»: принимаются только документы PDF`);
    else if (f.size > MAX_DOC) mark('documents', `«${f.name}»: файл больше 5 МБ`);
    else if (f.size === 0) mark('documents', `«${f.name}»: файл пустой`);
  }
  return errs;
}

function showFieldErrors(form, errs) {
  for (const input of form.querySelectorAll('input')) input.classList.remove('invalid');
  const list = $('form-errors');
  list.replaceChildren();
  for (const e of errs) {
    const input = form.elements[e.field];
    if (input && input.classList) input.classList.add('invalid');
    list.append(el('li', e.message, { 'data-field': e.field }));
  }
}

const submitOrg = guarded(async (ev) => {
  ev.preventDefault();
  const form = $('org-form');
  const errs = clientCheck(form);
  showFieldErrors(form, errs);
  if (errs.length) return;
  try {
    currentReg = await api('/api/registrations', { method: 'POST', form: new FormData(form) });
  } catch (e) {
    if (e instanceof PortalError && e.fields.length) {
      showFieldErrors(form, e.fields);
      return;
    }
    throw e;
  }
  renderSummary(currentReg);
});

function renderSummary(reg) {
  $('org-form').hidden = true;
  $('org-summary').hidden = false;
  const f = reg.form;
  const facts = $('summary-facts');
  facts.replaceChildren();
  for (const [k, v] of [['Полное наименование', f.fullName], ['ИНН', f.inn], ['ОГРН', f.ogrn], ['КПП', f.kpp],
    ['Юридический адрес', f.address], ['Электронная почта', f.email], ['Телефон', f.phone]]) {
    facts.append(el('dt', k), el('dd', v));
  }
  const docs = $('summary-docs');
  docs.replaceChildren();
  for (const d of reg.documents) docs.append(el('li', `${d.name}, ${formatSize(d.size)}`));
  $('summary-statement').textContent = new TextDecoder().decode(fromBase64(reg.statement));
  $('summary-inn').textContent = f.inn;
  $('summary-ogrn').textContent = f.ogrn;
}

const signOrg = guarded(async () => {
  const reg = currentReg;
  const z = await getZavera();
  const certs = await z.certificates({ innle: reg.form.inn, ogrn: reg.form.ogrn, validNow: true });
  if (!certs.length) {
    showNotice(`На токенах нет сертификата организации с ИНН ${reg.form.inn} и ОГРН ${reg.form.ogrn}. Вставьте токен руководителя организации.`, { retry: signOrg });
    return;
  }
  // The server accepts the leader's signature only; the agent's filter
  // knows organisations, not titles, so the page puts leaders forward.
  const leaders = certs.filter((x) => isLeaderTitle(x.subject.title));
  if (!leaders.length) {
    const titles = [...new Set(certs.map((x) => x.subject.title || 'не указана'))].join('», «');
    showNotice(`На токенах нет сертификата руководителя этой организации (должность в сертификате: «${titles}»). Заявление подписывает руководитель; с другим сертификатом портал откажет.`);
  }
  const c = await chooseCertificate($('org-sign-certs'), leaders.length ? leaders : certs, 'Подписать');
  const statement = fromBase64(reg.statement);
  const files = [{ name: reg.statementName, size: statement.length }, ...reg.documents.map((d) => ({ name: d.name, size: d.size }))];
  const sig = await z.sign({
    certificate: c.id, data: statement, files,
    description: `Заявление ${reg.id} о регистрации организации «${reg.form.fullName}», ИНН ${reg.form.inn}, с учредительными документами (${reg.documents.length})`,
  });
  const r = await api(`/api/registrations/${reg.id}/signature`, { method: 'POST', json: { signature: sig.signature } });
  hideNotice();
  $('org-summary').hidden = true;
  await followStatus(r);
});

// isLeaderTitle mirrors the server's rule: a title that names the head of
// the organisation, not a deputy or an assistant.
function isLeaderTitle(title) {
  const t = (title || '').toLowerCase();
  if (!t || /заместител|помощник|исполняющ|^и\.о/.test(t)) return false;
  return /директор|руководител|президент|председател|управляющ/.test(t);
}

function renderStatus(reg) {
  $('org-status').hidden = false;
  $('status-id').textContent = reg.id;
  $('status-text').textContent = reg.status;
  $('status-text').className = reg.status === 'Одобрено' ? 'status-ok' : reg.status === 'Отказ' ? 'status-bad' : '';
  $('status-reason').hidden = !reg.reason;
  $('status-reason').textContent = reg.reason ? `Причина отказа: ${reg.reason}` : '';
  const h = $('status-history');
  h.replaceChildren();
  for (const s of reg.history) h.append(el('li', `${new Date(s.time).toLocaleString('ru-RU')}: ${s.status}`));
}

async function followStatus(reg) {
  renderStatus(reg);
  for (let i = 0; i < 120 && reg.status === 'В обработке'; i++) {
    await new Promise((r) => setTimeout(r, 250));
    reg = await api(`/api/registrations/${reg.id}`);
    renderStatus(reg);
  }
  await refreshMe();
}

// ---- filings ----

const signFilings = guarded(async () => {
  const input = $('filing-files');
  if (!input.files.length) {
    showNotice('Выберите файлы отчётности.');
    return;
  }
  const form = new FormData();
  for (const f of input.files) form.append('files', f);
  const files = Array.from(input.files);
  const batch = await api('/api/filings', { method: 'POST', form });
  const z = await getZavera();
  const p = me.person;
  const filter = p.innle ? { innle: p.innle, ogrn: p.ogrn, snils: p.snils, validNow: true } : { snils: p.snils, validNow: true };
  const certs = await z.certificates(filter);
  if (!certs.length) {
    showNotice('На токенах нет вашего сертификата для этой организации. Вставьте свой токен.', { retry: signFilings });
    return;
  }
  const c = await chooseCertificate($('filing-certs'), certs, 'Подписать пакет');
  const bar = $('filing-progress');
  bar.hidden = false;
  bar.max = files.length;
  bar.value = 0;
  $('filing-progress-text').textContent = `Подписано 0 из ${files.length}`;
  let done = 0;
  const results = await z.signBatch({
    certificate: c.id,
    description: `Отчётность: ${files.length} файл(ов) для ${p.organization || 'организации'}`,
    documents: files.map((f) => ({ name: f.name, data: f })),
  }, {
    onProgress: (pr) => {
      done++;
      bar.value = done;
      $('filing-progress-text').textContent = `Подписано ${done} из ${pr.total}`;
    },
  });
  const signatures = results.map((r) => (r.error ? { index: r.index, error: r.error.message } : { index: r.index, signature: r.signature }));
  const verdict = await api(`/api/filings/${batch.id}/signatures`, { method: 'POST', json: { signatures } });
  const tbody = $('filing-results').querySelector('tbody');
  tbody.replaceChildren();
  for (const f of verdict.files) {
    const tr = el('tr', undefined, { 'data-status': f.status });
    tr.append(el('td', f.name), el('td', formatSize(f.size)),
      el('td', f.status === 'Принят' ? `Принят, подписал ${f.signer.name}` : `${f.status}: ${f.reason}`, { class: f.status === 'Принят' ? 'status-ok' : 'status-bad' }));
    tbody.append(tr);
  }
  $('filing-results').hidden = false;
  hideNotice();
});

// ---- start ----

async function start() {
  $('notice-retry').addEventListener('click', () => retryAction && retryAction());
  $('login-start').addEventListener('click', login);
  $('logout').addEventListener('click', guarded(async () => {
    await api('/api/logout', { method: 'POST', json: {} });
    me = null;
    show('login');
  }));
  $('nav-cabinet').addEventListener('click', () => showPane('profile'));
  $('nav-accounts').addEventListener('click', () => showPane('accounts'));
  $('nav-filings').addEventListener('click', () => showPane('filings'));
  $('create').addEventListener('click', () => { $('create-menu').hidden = !$('create-menu').hidden; });
  $('create-org').addEventListener('click', () => {
    $('create-menu').hidden = true;
    $('org-form').hidden = false;
    $('org-summary').hidden = true;
    $('org-status').hidden = true;
  });
  $('org-cancel').addEventListener('click', () => { $('org-form').hidden = true; });
  $('org-form').addEventListener('submit', submitOrg);
  $('org-sign').addEventListener('click', signOrg);
  $('filing-upload').addEventListener('click', signFilings);
  try {
    config = await api('/api/config');
  } catch (_) { /* defaults */ }
  try {
    me = await api('/api/me');
    show('cabinet');
    showPane('profile');
    renderMe();
  } catch (_) {
    show('login');
  }
  document.body.dataset.ready = '1';
}

start();
