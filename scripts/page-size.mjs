// Prints the gzip size of the built page's first load (the files at the top of dist: html, js,
// wasm, css, icon) file by file, then of what it fetches only when first needed (the files in
// its folders: the tour's lesson, each preset scenario).
// `node scripts/page-size.mjs dist --budget BYTES` also fails (exit 1) when the first load's
// gzip total is over BYTES: a deterministic gate on its weight.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { gzipSync } from 'node:zlib';

const args = process.argv.slice(2);
const at = args.indexOf('--budget');
const budget = at >= 0 ? Number(args[at + 1]) : null;
if (at >= 0 && !(budget > 0)) {
  console.error(`--budget wants a number of bytes, got ${args[at + 1]}`);
  process.exit(2);
}
const dist = args.find((a, i) => !a.startsWith('--') && (at < 0 || i !== at + 1)) ?? 'dist';
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
console.log(`page weight: ${(gz / 1024).toFixed(1)} KiB gzip (${(raw / 1024).toFixed(1)} KiB raw) in the first load`);

// On demand: each folder's files, each fetched alone when first needed.
for (const folder of readdirSync(dist).sort()) {
  const dir = join(dist, folder);
  if (!statSync(dir).isDirectory()) continue;
  const sizes = readdirSync(dir)
    .sort()
    .filter((name) => statSync(join(dir, name)).isFile())
    .map((name) => [name, gzipSync(readFileSync(join(dir, name)), { level: 9 }).length]);
  if (sizes.length === 0) continue;
  const total = sizes.reduce((s, [, n]) => s + n, 0);
  const [bigName, big] = sizes.reduce((a, b) => (b[1] > a[1] ? b : a));
  console.log(
    `on demand, ${folder}/: ${sizes.length} file(s), ${total} B gzip in all; the largest, ${bigName}, ${big} B gzip`,
  );
}
if (budget !== null) {
  if (gz > budget) {
    console.log(`over budget: ${gz} B gzip is more than the ${budget} B allowed`);
    process.exit(1);
  }
  console.log(`within budget: ${gz} B gzip of the ${budget} B allowed`);
}
