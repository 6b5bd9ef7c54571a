// Prints the gzip size of everything the built page loads (html, js, wasm, css, icons).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = process.argv[2] ?? 'dist';
let raw = 0;
let gz = 0;
const rows = [];
for (const name of readdirSync(dist).sort()) {
  const path = join(dist, name);
  if (!statSync(path).isFile()) continue;
  if (!['.html', '.js', '.wasm', '.css', '.svg'].includes(extname(name))) continue;
  const body = readFileSync(path);
  const zipped = gzipSync(body, { level: 9 }).length;
  raw += body.length;
  gz += zipped;
  rows.push(`  ${name.padEnd(40)} ${String(body.length).padStart(9)} B  ${String(zipped).padStart(8)} B gzip`);
}
console.log(rows.join('\n'));
console.log(`page weight: ${(gz / 1024).toFixed(1)} KiB gzip (${(raw / 1024).toFixed(1)} KiB raw)`);
