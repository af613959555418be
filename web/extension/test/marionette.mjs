// A minimal client of Firefox's Marionette protocol (the remote protocol
// geckodriver speaks to Firefox): messages are `length:json`, a command is
// [0, id, name, params] and its answer [1, id, error, result]. The tests
// use it to install the unpacked extension as a temporary add-on
// (Addon:Install) and to drive a page, with Debian's firefox-esr and no
// geckodriver.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

class Connection {
  constructor(socket) {
    this.socket = socket;
    this.buf = Buffer.alloc(0);
    this.waiting = [];
    this.pending = new Map();
    this.nextId = 1;
    socket.on('data', (d) => this.onData(d));
    socket.on('close', () => {
      for (const { reject } of this.pending.values()) reject(new Error('marionette: connection closed'));
      this.pending.clear();
    });
  }

  onData(d) {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const colon = this.buf.indexOf(0x3a);
      if (colon < 0) return;
      const len = Number(this.buf.subarray(0, colon).toString());
      if (this.buf.length < colon + 1 + len) return;
      const msg = JSON.parse(this.buf.subarray(colon + 1, colon + 1 + len).toString('utf8'));
      this.buf = this.buf.subarray(colon + 1 + len);
      if (Array.isArray(msg) && msg[0] === 1) {
        const p = this.pending.get(msg[1]);
        this.pending.delete(msg[1]);
        if (p) {
          if (msg[2]) p.reject(new Error(`marionette: ${msg[2].error}: ${msg[2].message}`));
          else p.resolve(msg[3]);
        }
      } else if (this.waiting.length) {
        this.waiting.shift()(msg);
      }
    }
  }

  hello() {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  send(name, params = {}) {
    const id = this.nextId++;
    const body = Buffer.from(JSON.stringify([0, id, name, params]), 'utf8');
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.write(`${body.length}:`);
      this.socket.write(body);
    });
  }
}

/**
 * Starts headless firefox-esr with Marionette on a fresh profile under
 * dir, with env added to its environment, and returns a session: send()
 * issues a command, close() quits Firefox.
 */
export async function launchFirefox(dir, env = {}) {
  if (!fs.existsSync(FIREFOX)) throw new Error(`${FIREFOX} is missing: install Debian's firefox-esr (make setup installs .ci/packages.txt)`);
  const port = await freePort();
  const profile = path.join(dir, 'firefox-profile');
  fs.mkdirSync(profile, { recursive: true });
  const prefs = {
    'marionette.port': port,
    'browser.shell.checkDefaultBrowser': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'toolkit.telemetry.reportingpolicy.firstRun': false,
    'browser.startup.homepage_override.mstone': 'ignore',
    'app.update.disabledForTesting': true,
    'extensions.autoDisableScopes': 0,
    'network.proxy.type': 0,
  };
  fs.writeFileSync(path.join(profile, 'user.js'),
    Object.entries(prefs).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join('\n'));
  const proc = spawn(FIREFOX, ['--marionette', '--headless', '--no-remote', '--profile', profile], {
    env: { ...process.env, MOZ_HEADLESS: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  let socket;
  for (let i = 0; i < 300 && !socket; i++) {
    socket = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(s));
      s.on('error', () => resolve(null));
    });
    if (!socket) await new Promise((r) => setTimeout(r, 100));
    if (proc.exitCode !== null) throw new Error(`firefox exited with ${proc.exitCode}:\n${log}`);
  }
  if (!socket) {
    proc.kill();
    throw new Error(`firefox's Marionette did not listen on ${port}:\n${log}`);
  }
  const conn = new Connection(socket);
  await conn.hello();
  await conn.send('WebDriver:NewSession', { capabilities: { alwaysMatch: { acceptInsecureCerts: true } } });
  return {
    send: (name, params) => conn.send(name, params),
    log: () => log,
    async close() {
      try { await conn.send('Marionette:Quit', { flags: ['eForceQuit'] }); } catch (_) { /* already gone */ }
      socket.destroy();
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    },
  };
}
