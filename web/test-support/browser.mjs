// Headless Debian Chromium through playwright-core, with the flags this
// machine needs (no network beyond loopback, a fresh profile each time).

import fs from 'node:fs';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/**
 * Launches Chromium; playwright gives it a fresh temporary user data
 * directory and removes it on close. Each newContext() is a fresh
 * profile of its own (cookies, permissions).
 */
export async function launch(extraArgs = []) {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (make setup installs .ci/packages.txt)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...FLAGS, ...extraArgs], timeout: 30000 });
}

/** A small but well-formed PDF of about `size` bytes. */
export function pdf(title, size = 2048) {
  const head = `%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n% ${title}\n`;
  const tail = 'trailer << /Root 1 0 R >>\n%%EOF\n';
  const pad = Math.max(0, size - Buffer.byteLength(head) - Buffer.byteLength(tail));
  return Buffer.concat([Buffer.from(head), Buffer.alloc(pad, 0x20), Buffer.from(tail)]);
}
