// Chrome's Local Network Access: a public https portal (simulated with
// --ip-address-space-overrides and a host resolver rule) may not open a
// websocket to the agent on 127.0.0.1 unless the user grants the
// "local-network-access" permission. Without it the page must tell the
// user what happened and what to do; with it the login works.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { launch } from '../test-support/browser.mjs';
import { run, startAgent, startPortal, tempDir, tokenDir } from '../test-support/stack.mjs';

const HOST = 'portal.test';

describe('a public portal and Local Network Access', () => {
  let tmp;
  let tokens;
  let portal;
  let agent;
  let browser;

  before(async () => {
    tmp = tempDir();
    tokens = tokenDir(tmp.dir);
    const key = path.join(tmp.dir, 'portal.key');
    const cert = path.join(tmp.dir, 'portal.crt');
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${HOST}`, '-addext', `subjectAltName=DNS:${HOST}`]);
    portal = await startPortal({ tokens, host: HOST, tls: { cert, key } });
    agent = await startAgent({ tmp: tmp.dir, tokens, origins: [portal.url] });
    browser = await launch([
      `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
      `--ip-address-space-overrides=127.0.0.1:${portal.port}=public`,
      '--ignore-certificate-errors',
    ]);
  });

  after(async () => {
    if (browser) await browser.close();
    if (agent) await agent.stop();
    if (portal) await portal.stop();
    tmp.remove();
  });

  async function open(grant) {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    if (grant) await context.grantPermissions(['local-network-access'], { origin: portal.url });
    const page = await context.newPage();
    await page.goto(`${portal.url}/?agentPort=${agent.port}`);
    await page.waitForSelector('body[data-ready="1"]');
    assert.equal(await page.evaluate(() => window.isSecureContext && location.origin), portal.url);
    return { context, page };
  }

  test('without the permission the connection is blocked and the page says how to allow it', async () => {
    const { context, page } = await open(false);
    try {
      await page.click('#login-start');
      await page.waitForSelector('#notice:not([hidden])[data-reason]');
      assert.equal(await page.getAttribute('#notice', 'data-reason'), 'local_network_access_denied');
      assert.match(await page.textContent('#notice-text'), /Доступ к локальной сети/);
      assert.equal(await page.locator('#login-certs li').count(), 0);
    } finally {
      await context.close();
    }
  });

  test('with the permission the leader logs in', async () => {
    const { context, page } = await open(true);
    try {
      await page.click('#login-start');
      await page.click('#login-certs li:has-text("Генеральный директор") button');
      await page.waitForSelector('#cabinet-view:not([hidden]) #profile-name:not(:empty)');
      assert.equal(await page.textContent('#profile-name'), 'Демонстрационный Иван Петрович');
    } finally {
      await context.close();
    }
  });
});
