// Shows the pairing codes the agent sent for sites waiting for the user's
// approval, so the user can compare them with the code in Zavera's window.

const api = globalThis.browser && globalThis.browser.runtime ? globalThis.browser : globalThis.chrome;

api.runtime.sendMessage({ type: 'pairings' }).then((res) => {
  const list = document.getElementById('list');
  const items = (res && res.pairings) || [];
  document.getElementById('none').hidden = items.length > 0;
  list.hidden = items.length === 0;
  for (const p of items) {
    const li = document.createElement('li');
    const site = document.createElement('div');
    site.textContent = `Сайт: ${p.origin}`;
    const code = document.createElement('div');
    code.className = 'code';
    code.textContent = p.code;
    li.append(site, code);
    list.append(li);
  }
});
