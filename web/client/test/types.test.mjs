// The TypeScript declarations: every export of zavera.js is declared, and
// a portal's typical use type-checks in strict mode.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

import * as client from '@zavera/client';

const here = path.dirname(fileURLToPath(import.meta.url));
const dts = fs.readFileSync(path.join(here, '..', 'zavera.d.ts'), 'utf8');

test('every export of zavera.js is declared in zavera.d.ts', () => {
  const declared = new Set([...dts.matchAll(/^export declare (?:const|class|function) (\w+)/gm)].map((m) => m[1]));
  assert.deepEqual([...Object.keys(client)].sort(), [...declared].sort());
});

test('a portal\'s use of the client type-checks with tsc --strict', async () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const args = [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext',
    '--lib', 'es2022,dom', path.join(here, 'types', 'usage.ts')];
  const out = await new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: path.join(here, '..') }, (err, stdout, stderr) => resolve({ err, text: stdout + stderr }));
  });
  assert.equal(out.err, null, out.text);
});

test('the package publishes the module, its declarations and its README only', async () => {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const out = await new Promise((resolve, reject) => {
    execFile(npm, ['pack', '--dry-run', '--json'], { cwd: path.join(here, '..') }, (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout)));
  });
  const [pack] = JSON.parse(out);
  assert.equal(pack.name, '@zavera/client');
  assert.deepEqual(pack.files.map((f) => f.path).sort(), ['README.md', 'package.json', 'zavera.d.ts', 'zavera.js']);
  const pkg = JSON.parse(fs.readFileSync(path.join(here, '..', 'package.json'), 'utf8'));
  assert.deepEqual(pkg.dependencies, undefined, 'the client has no runtime dependencies');
  assert.equal(pkg.exports['.'].import, './zavera.js');
  assert.equal(pkg.exports['.'].types, './zavera.d.ts');
});
