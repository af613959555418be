// The whole path in a real browser: the demo portal's page in headless
// Chromium, the JS client, the agent (built with the approving test
// prompter), the GOST test token with the demo certificates, and the
// portal's server verifying every signature.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { launch, pdf } from '../test-support/browser.mjs';
import { run, root, startAgent, startPortal, tempDir, tokenDir } from '../test-support/stack.mjs';
import path from 'node:path';

const LEADER = 'Генеральный директор';
const ACCOUNTANT = 'Главный бухгалтер';
const COMPANY = { inn: '0099001233', ogrn: '1250000123450' };

async function streebog256(buf) {
  const out = await run('openssl', ['dgst', '-md_gost12_256', '-r'], {
    env: { OPENSSL_CONF: path.join(root, 'testdata', 'openssl-gost.cnf') }, input: buf,
  });
  return out.split(/\s/)[0];
}

describe('demo portal end to end in Chromium', () => {
  let tmp;
  let tokens;
  let portal;
  let agent;
  let browser;
  let url;

  before(async () => {
    tmp = tempDir();
    tokens = tokenDir(tmp.dir);
    portal = await startPortal({ tokens });
    agent = await startAgent({ tmp: tmp.dir, tokens, devOrigins: [portal.url] });
    url = `${portal.url}/?agentPort=${agent.port}`;
    browser = await launch();
  });

  after(async () => {
    if (browser) await browser.close();
    if (agent) await agent.stop();
    if (portal) await portal.stop();
    tmp.remove();
  });

  // login opens the portal in a fresh profile and logs in with the
  // certificate whose title is given.
  async function login(title) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e));
    await page.goto(url);
    await page.waitForSelector('body[data-ready="1"]');
    await page.click('#login-start');
    await page.click(`#login-certs li:has-text("${title}") button`);
    await page.waitForSelector('#cabinet-view:not([hidden]) #profile-name:not(:empty)');
    page.errors = errors;
    return { context, page };
  }

  async function fillOrgForm(page, f) {
    await page.click('#nav-accounts');
    await page.click('#create');
    await page.click('#create-org');
    assert.equal(await page.isHidden('#create-menu'), true, 'the «Создать» menu stays open');
    for (const [k, v] of Object.entries(f)) await page.fill(`#org-form [name="${k}"]`, v);
  }

  const goodForm = {
    fullName: 'Общество с ограниченной ответственностью "Демонстрационная компания"',
    inn: COMPANY.inn, ogrn: COMPANY.ogrn, kpp: '009901001',
    address: '101000, г. Москва, ул. Примерная, д. 1', email: 'office@demo.example', phone: '+7 495 123-45-67',
  };

  test('the leader logs in, registers the organisation, signs, and the server approves it', async () => {
    const { context, page } = await login(LEADER);
    try {
      assert.equal(await page.textContent('#profile-name'), 'Демонстрационный Иван Петрович');
      assert.equal(await page.textContent('#profile-snils'), '000-123-456 56');
      assert.match(await page.textContent('#profile-orgs'), /ИНН 0099001233, ОГРН 1250000123450 \(Руководитель\)/);

      // The page checks identifiers before sending.
      await fillOrgForm(page, { ...goodForm, inn: '0099001234' });
      const charter = pdf('Устав', 4096);
      const decision = pdf('Решение о создании', 1500);
      await page.setInputFiles('#org-form [name="documents"]', [{ name: 'Устав.pdf', mimeType: 'application/pdf', buffer: charter }]);
      await page.click('#org-form button[type="submit"]');
      await page.waitForSelector('#form-errors li[data-field="inn"]');
      assert.match(await page.textContent('#form-errors'), /ИНН организации: неверное контрольное число/);

      // Not a PDF, and a PDF over 5 MB: refused with a clear message.
      await page.fill('#org-form [name="inn"]', goodForm.inn);
      await page.setInputFiles('#org-form [name="documents"]', [
        { name: 'Устав.docx', mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', buffer: Buffer.from('PK\x03\x04 not a pdf') },
        { name: 'Большой.pdf', mimeType: 'application/pdf', buffer: pdf('big', 5 * 1024 * 1024 + 1) },
      ]);
      await page.click('#org-form button[type="submit"]');
      await page.waitForSelector('#form-errors li[data-field="documents"]');
      const docErrors = await page.textContent('#form-errors');
      assert.match(docErrors, /«Устав\.docx»: принимаются только документы PDF/);
      assert.match(docErrors, /«Большой\.pdf»: файл больше 5 МБ/);

      // The server checks too, whatever the page does.
      const server = await page.evaluate(async (f) => {
        const form = new FormData();
        for (const [k, v] of Object.entries(f)) form.append(k, v);
        form.append('documents', new File(['%PDF-1.4 fake'], 'a.pdf', { type: 'application/pdf' }));
        form.append('documents', new File(['MZ not a pdf'], 'b.pdf', { type: 'application/pdf' }));
        const r = await fetch('/api/registrations', { method: 'POST', body: form });
        return { status: r.status, body: await r.json() };
      }, { ...goodForm, ogrn: '1250000123451', kpp: '12' });
      assert.equal(server.status, 422);
      assert.deepEqual(server.body.fields.map((x) => x.field).sort(), ['documents', 'kpp', 'ogrn']);
      assert.match(server.body.fields.find((x) => x.field === 'documents').message, /«b\.pdf»: принимаются только документы PDF/);

      // The good form: a readable summary with the documents' digests.
      await page.setInputFiles('#org-form [name="documents"]', [
        { name: 'Устав.pdf', mimeType: 'application/pdf', buffer: charter },
        { name: 'Решение о создании.pdf', mimeType: 'application/pdf', buffer: decision },
      ]);
      await page.click('#org-form button[type="submit"]');
      await page.waitForSelector('#org-summary:not([hidden])');
      const facts = await page.textContent('#summary-facts');
      assert.ok(facts.includes(goodForm.fullName) && facts.includes(goodForm.kpp) && facts.includes(goodForm.address));
      const statement = await page.textContent('#summary-statement');
      assert.ok(statement.includes(`Устав.pdf, 4096 байт, ${await streebog256(charter)}`), statement);
      assert.ok(statement.includes(`Решение о создании.pdf, 1500 байт, ${await streebog256(decision)}`), statement);
      assert.match(statement, /Заявитель: Демонстрационный Иван Петрович, СНИЛС 00012345656, ИНН \d{12}/);

      // Signed through Zavera by the leader; the server verifies and approves.
      await page.click('#org-sign');
      await page.click(`#org-sign-certs li:has-text("${LEADER}") button`);
      await page.waitForSelector('#status-text.status-ok');
      assert.equal(await page.textContent('#status-text'), 'Одобрено');
      const history = await page.textContent('#status-history');
      assert.ok(history.indexOf('В обработке') >= 0 && history.indexOf('В обработке') < history.indexOf('Одобрено'), history);
      await page.click('#nav-cabinet');
      await page.waitForFunction(() => document.querySelector('#profile-orgs').textContent.includes('зарегистрирована на портале'));
      assert.deepEqual(page.errors, []);
    } finally {
      await context.close();
    }
  });

  test('the page offers the leader\'s certificate only, when it is there', async () => {
    const { context, page } = await login(LEADER);
    try {
      await fillOrgForm(page, goodForm);
      await page.setInputFiles('#org-form [name="documents"]', [{ name: 'Устав.pdf', mimeType: 'application/pdf', buffer: pdf('Устав') }]);
      await page.click('#org-form button[type="submit"]');
      await page.waitForSelector('#org-summary:not([hidden])');
      await page.click('#org-sign');
      await page.waitForSelector('#org-sign-certs li');
      const offered = await page.$$eval('#org-sign-certs li', (lis) => lis.map((li) => li.textContent));
      assert.equal(offered.length, 1, offered.join('\n'));
      assert.match(offered[0], new RegExp(LEADER));
    } finally {
      await context.close();
    }
  });

  test('with only the accountant\'s token in, the accountant signs the request: the page warns, the server refuses', async () => {
    const { context, page } = await login(ACCOUNTANT);
    try {
      tokens.control('leader.present = 0');
      await page.waitForSelector('#notice[data-token="removed"]:not([hidden])');
      await fillOrgForm(page, goodForm);
      await page.setInputFiles('#org-form [name="documents"]', [{ name: 'Устав.pdf', mimeType: 'application/pdf', buffer: pdf('Устав') }]);
      await page.click('#org-form button[type="submit"]');
      await page.waitForSelector('#org-summary:not([hidden])');
      await page.click('#org-sign');
      await page.waitForSelector('#org-sign-certs li');
      assert.match(await page.textContent('#notice-text'), /нет сертификата руководителя этой организации \(должность в сертификате: «Главный бухгалтер»\)/);
      await page.click(`#org-sign-certs li:has-text("${ACCOUNTANT}") button`);
      await page.waitForSelector('#status-text.status-bad');
      assert.equal(await page.textContent('#status-text'), 'Отказ');
      assert.match(await page.textContent('#status-reason'), /подписывает руководитель организации, а в сертификате должность «Главный бухгалтер»/);
      tokens.control('leader.present = 1');
      await page.waitForSelector('#notice[data-token="inserted"]:not([hidden])');
    } finally {
      tokens.control('leader.present = 1');
      await context.close();
    }
  });

  test('a request for another organisation finds no certificate of its leader, and the page says so', async () => {
    const { context, page } = await login(LEADER);
    try {
      await fillOrgForm(page, { ...goodForm, inn: '7707083893', ogrn: '1027700132195', kpp: '773601001' });
      await page.setInputFiles('#org-form [name="documents"]', [{ name: 'Устав.pdf', mimeType: 'application/pdf', buffer: pdf('Устав') }]);
      await page.click('#org-form button[type="submit"]');
      await page.waitForSelector('#org-summary:not([hidden])');
      await page.click('#org-sign');
      await page.waitForSelector('#notice:not([hidden])');
      assert.match(await page.textContent('#notice-text'), /нет сертификата организации с ИНН 7707083893 и ОГРН 1027700132195/);
    } finally {
      await context.close();
    }
  });

  test('the accountant signs a batch of filings; the server verifies each', async () => {
    const { context, page } = await login(ACCOUNTANT);
    try {
      await page.click('#nav-filings');
      const files = [
        { name: 'НДС_3кв.xml', mimeType: 'application/xml', buffer: Buffer.from('<?xml version="1.0"?><НДС период="3"/>') },
        { name: 'РСВ_3кв.xml', mimeType: 'application/xml', buffer: Buffer.from('<?xml version="1.0"?><РСВ период="3"/>') },
        { name: '6-НДФЛ.pdf', mimeType: 'application/pdf', buffer: pdf('6-НДФЛ', 200000) },
        { name: 'Баланс.xlsx', mimeType: 'application/octet-stream', buffer: Buffer.alloc(70000, 7) },
      ];
      await page.setInputFiles('#filing-files', files);
      await page.click('#filing-upload');
      await page.click(`#filing-certs li:has-text("${ACCOUNTANT}") button`);
      await page.waitForSelector('#filing-results:not([hidden])');
      const rows = await page.$$eval('#filing-results tbody tr', (trs) => trs.map((tr) => [tr.dataset.status, tr.textContent]));
      assert.equal(rows.length, files.length);
      for (const [i, [status, text]] of rows.entries()) {
        assert.equal(status, 'Принят', text);
        assert.ok(text.includes(files[i].name) && text.includes('Примерова Анна Сергеевна'), text);
      }
      assert.equal(await page.textContent('#filing-progress-text'), `Подписано ${files.length} из ${files.length}`);
    } finally {
      await context.close();
    }
  });

  test('the page tells when the token is pulled out and put back', async () => {
    const { context, page } = await login(LEADER);
    try {
      tokens.control('leader.present = 0');
      await page.waitForSelector('#notice[data-token="removed"]:not([hidden])');
      assert.match(await page.textContent('#notice-text'), /Токен извлечён/);
      tokens.control('leader.present = 1');
      await page.waitForSelector('#notice[data-token="inserted"]:not([hidden])');
      assert.match(await page.textContent('#notice-text'), /Токен вставлен/);
    } finally {
      tokens.control('leader.present = 1');
      await context.close();
    }
  });

  test('a page on another origin cannot connect, list certificates or sign, and the page says why', async () => {
    const other = await startPortal({ tokens, agentPort: agent.port });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(other.url + '/');
      await page.waitForSelector('body[data-ready="1"]');
      await page.click('#login-start');
      await page.waitForSelector('#notice:not([hidden])[data-reason]');
      assert.equal(await page.getAttribute('#notice', 'data-reason'), 'connection_refused');
      assert.match(await page.textContent('#notice-text'), /отказалась подключать этот сайт/);
      // Straight from script, without the page's flow: nothing either.
      const r = await page.evaluate(async (port) => {
        const { connect } = await import('/static/zavera.js');
        try {
          const z = await connect({ port, pair: false });
          return { connected: true, certs: await z.certificates({}).catch((e) => e.reason) };
        } catch (e) {
          return { reason: e.reason };
        }
      }, agent.port);
      assert.deepEqual(r, { reason: 'connection_refused' });
    } finally {
      await context.close();
      await other.stop();
    }
  });
});
