// A 200 MiB File built in a headless Chromium page, signed through the JS
// client, which streams it to the real agent: the page hashes nothing,
// reports progress, and OpenSSL verifies the detached signature with the
// same bytes generated again in Node.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { launch } from '../test-support/browser.mjs';
import { generated, opensslVerifyStreamed } from '../test-support/bigdoc.mjs';
import { startAgent, startPortal, tempDir, tokenDir } from '../test-support/stack.mjs';

const SIZE = 200 << 20;

describe('a large File from a page', () => {
  let tmp;
  let tokens;
  let portal;
  let agent;
  let browser;

  before(async () => {
    tmp = tempDir();
    tokens = tokenDir(tmp.dir);
    portal = await startPortal({ tokens });
    agent = await startAgent({ tmp: tmp.dir, tokens, devOrigins: [portal.url] });
    browser = await launch();
  });

  after(async () => {
    if (browser) await browser.close();
    if (agent) await agent.stop();
    if (portal) await portal.stop();
    tmp.remove();
  });

  test('a 200 MiB File built in the page is streamed, signed and verified by OpenSSL', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(portal.url + '/');
      await page.waitForSelector('body[data-ready="1"]');
      const r = await page.evaluate(`(async () => {
        const generated = ${generated.toString()};
        const parts = [];
        for (const b of generated(${SIZE})) parts.push(b);
        const file = new File(parts, 'чертежи.bin', { type: 'application/octet-stream' });
        parts.length = 0;
        const { connect } = await import('/static/zavera.js');
        const z = await connect({ port: ${agent.port} });
        const [c] = await z.certificates({ snils: '00012345656' });
        const progress = [];
        const s = await z.sign({ certificate: c.id, file, description: 'Комплект чертежей' },
          { onUpload: (p) => progress.push(p.sent) });
        // Cancelled half way: the agent forgets it, the connection goes on.
        const ctl = new AbortController();
        const cancelled = await z.sign({ certificate: c.id, file, description: 'отмена' },
          { signal: ctl.signal, onUpload: (p) => { if (p.sent > file.size / 2) ctl.abort(); } }).then(() => '', (e) => e.reason);
        z.close();
        return { signature: s.signature, progress, cancelled };
      })()`);
      assert.ok(r.progress.length > 100, `${r.progress.length} progress reports`);
      assert.equal(r.progress.at(-1), SIZE);
      assert.equal(r.cancelled, 'cancelled');
      await opensslVerifyStreamed(tmp.dir, r.signature, SIZE, tokens.caFile);
    } finally {
      await context.close();
    }
  });
});
