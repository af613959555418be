// The «Создание организации» page: the founding documents signed through
// the gosuslugi.plugin interface, as lk.gosuslugi.ru does. The plug-in
// announces itself with <meta property="gosuslugi.plugin.extension.…">
// tags; requests are GosuslugiPluginMessage envelopes posted to the window
// and answered with the same id. The files go in one chunked signatureV2
// request (512 KiB a message, each answered before the next is sent), and
// the answer to the last message holds one detached signature per file.
// Then the form, each signature and its file go to the server, which
// verifies them.

const CHUNK = 512 * 1024;
const MAX_FILE = 100 * 1024 * 1024;
const ROUTE = 'gosuslugi.plugin.demo';

const form = document.getElementById('org-form');
const status = document.getElementById('org-status');
const select = document.getElementById('org-cert');
const submit = document.getElementById('org-submit');
const bar = document.getElementById('org-progress');
const result = document.getElementById('org-result');

const waiting = new Map(); // id:chunk → resolve
window.addEventListener('message', (ev) => {
  const m = ev.data;
  if (ev.source !== window || !m || typeof m !== 'object' || !m.node || !m.meta || !m.meta.format || m.meta.format.category !== 'gosuslugi.plugin') return;
  if (m.method && m.method.type === 'progress') return;
  const key = `${m.id}:${m.meta.chunk || ''}`;
  const w = waiting.get(key);
  if (w) {
    waiting.delete(key);
    w(m);
  }
});

function envelope(id, type, data, chunk, chunks) {
  const meta = {
    format: { type: 'message', version: '1.0.0.0', category: 'gosuslugi.plugin' },
    content: { type: 'application/json', charset: 'utf8', transferEncoding: '' },
    routes: [{ node: ROUTE, time: new Date().toISOString(), transfer: '' }],
    userAgent: navigator.userAgent,
  };
  if (chunk !== undefined) {
    meta.chunk = String(chunk);
    meta.chunks = String(chunks);
  }
  return { id, node: '', error: '', mode: '', module: { type: 'crypto', version: '1.0.0.0' }, method: { type, data, result: '' }, meta };
}

function request(id, type, data, chunk, chunks) {
  return new Promise((resolve, reject) => {
    waiting.set(`${id}:${chunk === undefined ? '' : chunk}`, (m) => {
      if (m.code !== '200') reject(new Error(m.error || `код ${m.code}`));
      else resolve(m.method.result ? JSON.parse(m.method.result) : null);
    });
    window.postMessage(envelope(id, type, data, chunk, chunks), window.location.origin);
  });
}

function base64Of(blob) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).split(',')[1] || '');
    r.onerror = () => reject(r.error);
    r.readAsDataURL(blob);
  });
}

// signFiles signs every file in one chunked signatureV2 request.
async function signFiles(certificate, files) {
  const id = crypto.randomUUID();
  const total = 1 + files.reduce((n, f) => n + Math.ceil(f.size / CHUNK), 0);
  const bytes = files.reduce((n, f) => n + f.size, 0);
  const req = { certificate, type: 'detached', provider: 'zavera', files: files.map((f, i) => ({ id: `f${i + 1}`, name: f.name, size: f.size })) };
  await request(id, 'signatureV2', JSON.stringify(req), 1, total);
  let k = 1;
  let sent = 0;
  let out = null;
  bar.hidden = false;
  for (const f of files) {
    for (let off = 0; off < f.size; off += CHUNK) {
      const slice = f.slice(off, off + CHUNK);
      out = await request(id, 'signatureV2', await base64Of(slice), ++k, total);
      sent += slice.size;
      bar.value = Math.floor((100 * sent) / bytes);
    }
  }
  return out;
}

async function main() {
  for (let i = 0; i < 50 && !document.querySelector('meta[property="gosuslugi.plugin.extension.content"]'); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!document.querySelector('meta[property="gosuslugi.plugin.extension.content"]')) {
    status.dataset.state = 'missing';
    status.textContent = 'Плагин госуслуг не найден: установите Zavera и расширение Zavera для браузера.';
    return;
  }
  const certs = await request(crypto.randomUUID(), 'certificates', JSON.stringify({}));
  for (const c of certs) {
    const o = document.createElement('option');
    o.value = c.id;
    o.textContent = `${c.fields.commonName || c.subject} ${c.fields.title ? `(${c.fields.title})` : ''} ${c.fields.innle ? `ИНН ${c.fields.innle}` : ''}`;
    select.appendChild(o);
  }
  status.dataset.state = 'ready';
  status.textContent = 'Заполните форму и выберите учредительные документы.';
  submit.disabled = false;
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const files = Array.from(form.elements.documents.files);
  const big = files.find((f) => f.size > MAX_FILE);
  if (big) {
    result.textContent = `«${big.name}»: файл больше 100 МБ`;
    return;
  }
  submit.disabled = true;
  result.dataset.state = 'signing';
  result.textContent = 'Подтвердите подпись и введите PIN-код в окне Zavera…';
  try {
    const signatures = await signFiles(select.value, files);
    result.textContent = 'Документы подписаны, отправка на портал…';
    const body = new FormData();
    for (const name of ['fullName', 'inn', 'ogrn', 'kpp', 'address', 'email', 'phone']) body.append(name, form.elements[name].value);
    files.forEach((f, i) => {
      body.append('signature', signatures[i].content);
      body.append('document', f, f.name);
    });
    const r = await fetch('/api/org/create', { method: 'POST', body });
    const data = await r.json();
    if (!r.ok) throw new Error(data.error || `HTTP ${r.status}`);
    result.dataset.state = data.accepted ? 'accepted' : 'refused';
    result.textContent = data.accepted
      ? `Заявление принято: документов ${data.documents.length}, подписи проверены порталом.`
      : `Отказ: ${data.documents.filter((d) => !d.accepted).map((d) => `«${d.name}»: ${d.reason}`).join('; ')}`;
  } catch (e) {
    result.dataset.state = 'error';
    result.textContent = `Не отправлено: ${e.message}`;
  } finally {
    submit.disabled = false;
  }
});

main();
