// The «Вход через ЕСИА» page: the ESIA login through the IFCPlugin
// interface, as the portal's page library does it. The plug-in is found by
// its two marker elements; commands go one at a time as
// JSON.stringify({type: "TO_IFC_EXT", msg_data: {func_name, params}}) and
// come back as {type: "FROM_IFC_EXT", msg_data}. The login challenge comes
// from the server, is signed as an attached CMS (signType 3) over its text
// (inDataType 1), and the server verifies the signature.

const status = document.getElementById('esia-status');
const list = document.getElementById('esia-certs');
const result = document.getElementById('esia-result');

let waiting = null;
window.addEventListener('message', (ev) => {
  if (ev.source !== window || typeof ev.data !== 'string') return;
  let m;
  try { m = JSON.parse(ev.data); } catch (_) { return; }
  if (m && m.type === 'FROM_IFC_EXT' && waiting) {
    const w = waiting;
    waiting = null;
    w(m.msg_data);
  }
});

let queue = Promise.resolve();
function ifc(func_name, params = {}) {
  const run = () => new Promise((resolve) => {
    waiting = resolve;
    window.postMessage(JSON.stringify({ type: 'TO_IFC_EXT', msg_data: { func_name, params } }), window.location.origin);
  });
  const p = queue.then(run);
  queue = p.catch(() => {});
  return p;
}

function installed() {
  return !!(document.getElementById('ifcplugin-extension-is-installed') && document.getElementById('ifc-plugin-is-installed'));
}

async function waitForPlugin() {
  for (let i = 0; i < 50; i++) {
    if (installed()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function line(label, value) {
  const m = new RegExp(`(?:^|\\n)${label.replace(/\./g, '\\.')} = ([^\\n]*)`).exec(value || '');
  return m ? m[1] : '';
}

async function post(url, body) {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body || {}) });
  const data = await r.json();
  if (!r.ok) throw new Error(data.error || `HTTP ${r.status}`);
  return data;
}

async function login(containerId) {
  result.textContent = 'Подтвердите вход и введите PIN-код в окне Zavera…';
  try {
    const { challenge } = await post('/api/esia/challenge');
    // userPin stays empty: the PIN is typed in Zavera's window only.
    const signed = await ifc('sign', { containerId, userPin: '', inDataType: 1, data: challenge, signType: 3, cspUI: 0, outDataType: 1 });
    if (signed.error_code !== 0) throw new Error(`плагин вернул код ошибки ${signed.error_code}`);
    const me = await post('/api/esia/login', { signature: signed.sign_value });
    result.dataset.state = 'ok';
    result.textContent = `Вход выполнен: ${me.person.name}, СНИЛС ${me.person.snils}`;
  } catch (e) {
    result.dataset.state = 'error';
    result.textContent = `Вход не выполнен: ${e.message}`;
  }
}

async function main() {
  if (!(await waitForPlugin())) {
    status.textContent = 'Плагин не найден: установите Zavera и расширение Zavera для браузера.';
    status.dataset.state = 'missing';
    return;
  }
  await ifc('create');
  const info = await ifc('get_list_info');
  if (info.error_code !== 0 || !info.ifc_list.length) {
    status.textContent = 'Ключевой носитель не найден: вставьте токен и обновите страницу.';
    return;
  }
  for (const crypto of info.ifc_list) {
    const cryptoId = `${crypto.alias}/${crypto.num}`;
    const certs = await ifc('get_list_certs', { cryptoID: cryptoId });
    if (certs.error_code !== 0) continue;
    for (const c of certs.cert_list) {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.className = 'cert';
      b.dataset.container = `${cryptoId}/${c.id}`;
      b.textContent = `${line('2.5.4.3', c.cert_subject)} — ${line('2.5.4.12', c.cert_subject) || 'физическое лицо'}, действует до ${c.cert_valid_to}`;
      b.addEventListener('click', () => login(b.dataset.container));
      li.appendChild(b);
      list.appendChild(li);
    }
  }
  status.dataset.state = 'ready';
  status.textContent = 'Выберите сертификат для входа:';
}

main();
