// Headless Chromium with Zavera's built extension (build/extension/chromium)
// and its native host (build/zavera-host), installed as a user installs
// them: the host's manifest in the profile's NativeMessagingHosts, the
// host beside a `zavera` program (the test build, started when no agent
// runs), and the user's configuration naming the agent's state folder so
// that the host finds the agent's local channel.

import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { CHROMIUM, FLAGS } from './browser.mjs';
import { build, root } from './stack.mjs';

export const IDS = JSON.parse(fs.readFileSync(path.join(root, 'web', 'extension', 'ids.json'), 'utf8'));
export const EXTENSION = path.join(build, 'extension', 'chromium');
export const HOST = path.join(build, 'zavera-host');

/** Throws with what to run when a file the tests need was not built. */
export function need(file, how) {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: ${how}`);
  return file;
}

/**
 * Launches Chromium with the extension on a profile in `dir` (a fresh
 * temporary folder), its native host reaching the agent whose state
 * folder is `stateDir`, and Chromium's `extraArgs`. Returns playwright's
 * persistent context.
 */
export async function launchWithExtension(dir, stateDir, extraArgs = []) {
  need(path.join(EXTENSION, 'manifest.json'), 'run `make extension`');
  need(HOST, 'run `make build/zavera-host`');
  need(CHROMIUM, "install Debian's chromium");
  const xdg = path.join(dir, 'xdg-config');
  fs.mkdirSync(path.join(xdg, 'zavera'), { recursive: true });
  fs.writeFileSync(path.join(xdg, 'zavera', 'config.json'), JSON.stringify({ stateDir }));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.copyFileSync(HOST, path.join(bin, 'zavera-host'));
  fs.chmodSync(path.join(bin, 'zavera-host'), 0o755);
  fs.symlinkSync(path.join(build, 'zavera-script'), path.join(bin, 'zavera'));
  const profile = path.join(dir, 'profile');
  fs.mkdirSync(path.join(profile, 'NativeMessagingHosts'), { recursive: true });
  fs.writeFileSync(path.join(profile, 'NativeMessagingHosts', `${IDS.host}.json`), JSON.stringify({
    name: IDS.host, description: 'Zavera', path: path.join(bin, 'zavera-host'), type: 'stdio',
    allowed_origins: [`chrome-extension://${IDS.chromium}/`],
  }));
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, timeout: 30000,
    args: [...FLAGS, `--disable-extensions-except=${EXTENSION}`, `--load-extension=${EXTENSION}`, ...extraArgs],
    env: { ...process.env, XDG_CONFIG_HOME: xdg },
  });
}

/** The extension's service worker, once it runs. */
export async function extensionWorker(context) {
  const [worker] = context.serviceWorkers();
  return worker || context.waitForEvent('serviceworker');
}
