// Assembles the unpacked extension for one browser family:
//   node build.mjs <chromium|firefox> <output folder>
// The page API's sources (src/page/*.js, in the order below) become one
// content script, cadesplugin.js, wrapped so that nothing but
// window.cadesplugin reaches the page's global scope.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const PAGE = ['constants', 'errors', 'der', 'proxy', 'certificates', 'uploads', 'signing', 'xml', 'hashing', 'main'];
const COPY = ['bridge.js', 'popup.html', 'popup.js'];
// The state services portal's interfaces: two isolated-world content
// scripts, and the background's part of them built into background.js.
const PORTAL = {
  'ifc.js': ['portal/origins', 'page/der', 'portal/channel', 'portal/upload', 'ifc/certificates', 'ifc/commands', 'ifc/main'],
  'gosuslugi.js': ['portal/origins', 'page/der', 'portal/channel', 'portal/upload', 'gosuslugi/envelope', 'gosuslugi/commands', 'gosuslugi/chunks', 'gosuslugi/main'],
};
const BACKGROUND = ['portal/origins', 'portal/access', 'background'];

const [browser, out] = process.argv.slice(2);
if (!['chromium', 'firefox'].includes(browser) || !out) {
  console.error('usage: node build.mjs <chromium|firefox> <output folder>');
  process.exit(2);
}

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
fs.copyFileSync(path.join(here, 'manifests', `${browser}.json`), path.join(out, 'manifest.json'));
for (const f of COPY) fs.copyFileSync(path.join(here, 'src', f), path.join(out, f));
if (browser === 'chromium') fs.copyFileSync(path.join(here, 'managed_schema.json'), path.join(out, 'managed_schema.json'));
for (const f of fs.readdirSync(path.join(here, 'icons'))) fs.copyFileSync(path.join(here, 'icons', f), path.join(out, f));

const src = (name) => `// ---- ${name}.js\n${fs.readFileSync(path.join(here, 'src', `${name}.js`), 'utf8')}`;
for (const [file, parts] of Object.entries(PORTAL)) {
  fs.writeFileSync(path.join(out, file), `// Zavera: the state services portal's ${file === 'ifc.js' ? 'IFCPlugin' : 'gosuslugi.plugin'} interface. Built from src/.\n(function () {\n'use strict';\n${parts.map(src).join('\n')}\n})();\n`);
}
fs.writeFileSync(path.join(out, 'background.js'), `// Zavera: the extension's background. Built from src/.\n${BACKGROUND.map(src).join('\n')}`);

const body = PAGE.map((name) => `// ---- ${name}.js\n${fs.readFileSync(path.join(here, 'src', 'page', `${name}.js`), 'utf8')}`).join('\n');
fs.writeFileSync(path.join(out, 'cadesplugin.js'), `// Zavera: CryptoPro page API (window.cadesplugin). Built from src/page/.\n(function () {\n'use strict';\n${body}\n})();\n`);
