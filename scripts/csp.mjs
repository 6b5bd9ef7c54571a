// Trunk's post-build step (see Trunk.toml): gives the built page a Content-Security-Policy that
// lets it load only its own files. Trunk starts the app with an inline module script whose text
// names the hashed file names of this build, so the policy allows that script by its SHA-256,
// computed here, and nothing else inline. Style attributes stay allowed: the drawing positions
// things with them.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.TRUNK_STAGING_DIR || process.argv[2];
if (!dir) {
  console.error('csp.mjs: no TRUNK_STAGING_DIR (run by trunk) and no directory given');
  process.exit(2);
}
const file = join(dir, 'index.html');
const html = readFileSync(file, 'utf8');
const hashes = [...html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g)].map(
  (m) => `'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`,
);
const policy = [
  "default-src 'self'",
  `script-src 'self' 'wasm-unsafe-eval' ${hashes.join(' ')}`.trim(),
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
const meta = `<meta http-equiv="Content-Security-Policy" content="${policy}">`;
const withoutOld = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '');
// Right after the character set, which must come first, and before any script.
const out = withoutOld.replace(/(<head>(\s*<meta charset="[^"]*"\s*\/?>)?)/, `$1\n    ${meta}`);
if (out === withoutOld) {
  console.error(`csp.mjs: no <head> in ${file}`);
  process.exit(1);
}
writeFileSync(file, out);
console.log(`csp.mjs: ${hashes.length} inline script(s) allowed by hash`);
