// Starts the real pieces for the tests: the zavera binary built with the
// approving test prompter (build/zavera-script), the GOST test token
// (build/libgosttoken.so) on a private copy of the demo tokens
// (build/demo-tokens), the agent and the demo portal, each on a free port
// chosen at run time. Every process started here is killed by stop(), and
// by the exit hook if a test forgets. Missing builds fail loudly: `make e2e`
// builds them first.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const build = path.join(root, 'build');
export const DEMO_PIN = '12345678';

const live = new Set();
function killAll() {
  for (const c of live) {
    try { c.kill('SIGKILL'); } catch (_) { /* gone */ }
  }
}
process.on('exit', killAll);
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.once(sig, () => { killAll(); process.exit(code); });
}

function need(file, how) {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: ${how}`);
  return file;
}

export function paths() {
  return {
    bin: need(process.env.ZAVERA_BIN || path.join(build, 'zavera-script'), 'run `make e2e` (it builds build/zavera-script with -tags zavera_script)'),
    module: need(path.join(build, 'libgosttoken.so'), 'run `make testtoken`'),
    demo: need(path.join(build, 'demo-tokens', 'leader.token'), 'run `make demo-tokens`') && path.join(build, 'demo-tokens'),
  };
}

// A child process whose output is kept, with a way to wait for a line.
class Child {
  constructor(name, cmd, args, env) {
    this.name = name;
    this.out = '';
    this.err = '';
    this.proc = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this.proc);
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, sig) => { live.delete(this.proc); resolve({ code, sig }); }));
    this.proc.stdout.setEncoding('utf8');
    this.proc.stderr.setEncoding('utf8');
    this.proc.stdout.on('data', (d) => { this.out += d; });
    this.proc.stderr.on('data', (d) => { this.err += d; });
  }

  // waitFor resolves with the match of re in stdout, or rejects when the
  // process exits first or the time runs out.
  waitFor(re, ms = 20000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = this.out.match(re);
        if (m) { done(); resolve(m); }
      };
      const timer = setTimeout(() => { done(); reject(new Error(`${this.name}: no ${re} within ${ms} ms\nstdout: ${this.out}\nstderr: ${this.err}`)); }, ms);
      const onExit = () => { done(); reject(new Error(`${this.name} exited early\nstdout: ${this.out}\nstderr: ${this.err}`)); };
      const done = () => { clearTimeout(timer); this.proc.stdout.off('data', check); this.proc.off('exit', onExit); };
      this.proc.stdout.on('data', check);
      this.proc.on('exit', onExit);
      check();
    });
  }

  async stop() {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(t);
  }
}

/** A private copy of the demo tokens; control() writes its fault file. */
export function tokenDir(tmp) {
  const { demo } = paths();
  const dir = path.join(tmp, 'tokens');
  fs.cpSync(demo, dir, { recursive: true });
  fs.rmSync(path.join(dir, 'control'), { force: true });
  return {
    dir,
    control(...lines) {
      const t = path.join(dir, 'control.tmp');
      fs.writeFileSync(t, lines.join('\n') + '\n');
      fs.renameSync(t, path.join(dir, 'control'));
    },
    caFile: path.join(dir, 'demo-ca.crt'),
  };
}

/**
 * Starts an agent on a free port with the GOST test token. origins are
 * approved in advance; devOrigins may use http and still pair;
 * statePortalOrigins get the extension's state portal interfaces. pin is what
 * the test prompter types (and the password of software keys). prepare(stateDir)
 * runs before the agent starts, to put files into its state folder (keys.json).
 */
export async function startAgent({ tmp, tokens, origins = [], devOrigins = [], statePortalOrigins = [], pin = DEMO_PIN, extraArgs = [], prepare = null }) {
  const { bin, module } = paths();
  const state = fs.mkdtempSync(path.join(tmp, 'agent-'));
  const config = path.join(state, 'config.json');
  fs.writeFileSync(config, JSON.stringify({
    origins, devOrigins, statePortalOrigins, modules: [module], noModuleDiscovery: true,
    limits: { promptTimeout: '30s' },
  }, null, 2));
  if (prepare) await prepare(state);
  const agent = new Child('agent', bin, ['serve', '--headless', '--port', '0', '--config', config, ...extraArgs], {
    GOSTTOKEN_DIR: tokens.dir, ZAVERA_SCRIPT_APPROVE: '1', ZAVERA_SCRIPT_PIN: pin, ZAVERA_PKCS11_MODULES: '',
  });
  const m = await agent.waitFor(/zavera: listening on ws:\/\/127\.0\.0\.1:(\d+)/);
  agent.port = Number(m[1]);
  agent.stateDir = state;
  return agent;
}

/** Starts the demo portal on a free loopback port. */
export async function startPortal({ tokens, agentPort = 27413, origins = [], host = '', tls = null }) {
  const { bin } = paths();
  const args = ['demo-portal', '--ca', tokens.caFile, '--listen', '127.0.0.1:0', '--agent-port', String(agentPort), '--verbose'];
  for (const o of origins) args.push('--origin', o);
  if (host) args.push('--host', host);
  if (tls) args.push('--tls-cert', tls.cert, '--tls-key', tls.key);
  const portal = new Child('portal', bin, args, {});
  const m = await portal.waitFor(/zavera: demo portal on (\S+?)\/?\n/);
  portal.url = m[1];
  portal.port = Number(portal.url.match(/:(\d+)$/)[1]);
  return portal;
}

/** A temporary folder removed by the returned cleanup. */
export function tempDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zavera-web-'));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Runs a command and resolves with its output; rejects on failure. */
export function run(cmd, args, { env = {}, input } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}\n${err}`))));
    p.stdin.end(input);
  });
}

/**
 * Verifies a detached CMS signature with OpenSSL and the GOST engine (the
 * independent reference) against the demo CA; rejects when it does not
 * verify.
 */
export async function opensslVerify(tmp, signatureB64, content, caFile) {
  const dir = fs.mkdtempSync(path.join(tmp, 'verify-'));
  const sig = path.join(dir, 'sig.der');
  const doc = path.join(dir, 'doc');
  fs.writeFileSync(sig, Buffer.from(signatureB64, 'base64'));
  fs.writeFileSync(doc, content);
  return run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', sig, '-content', doc,
    '-CAfile', caFile, '-purpose', 'any', '-out', '/dev/null'],
  { env: { OPENSSL_CONF: path.join(root, 'testdata', 'openssl-gost.cnf') } });
}
