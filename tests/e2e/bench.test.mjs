// Benchmark figures, printed for people to read, never a pass/fail gate: the gzip weight of the
// page, and frame times in Chromium with nine servers under a steady stream of client writes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { serveDist, launchBrowser, DIST } from './harness.mjs';
import { openApp, setSpeed, waitForLeader } from './app.mjs';

let server;
let browser;
before(async () => {
  server = await serveDist();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('benchmark: page weight (gzip)', () => {
  let gz = 0;
  let raw = 0;
  for (const name of readdirSync(DIST)) {
    const path = join(DIST, name);
    if (!statSync(path).isFile() || !['.html', '.js', '.wasm', '.css', '.svg'].includes(extname(name))) continue;
    const body = readFileSync(path);
    raw += body.length;
    gz += gzipSync(body, { level: 9 }).length;
  }
  assert.ok(gz > 0);
  console.log(`benchmark: page weight ${(gz / 1024).toFixed(1)} KiB gzip (${(raw / 1024).toFixed(1)} KiB raw)`);
});

/** Frame intervals (ms) from requestAnimationFrame timestamps over `ms` of wall time. */
async function frameIntervals(page, ms) {
  return page.evaluate(
    (ms) =>
      new Promise((done) => {
        const stamps = [];
        const start = performance.now();
        const tick = (t) => {
          stamps.push(t);
          if (t - start < ms) requestAnimationFrame(tick);
          else done(stamps.slice(1).map((s, i) => s - stamps[i]));
        };
        requestAnimationFrame(tick);
      }),
    ms,
  );
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

test('benchmark: frame time at 9 servers with continuous writes', async () => {
  const { page, problems } = await openApp(browser, server, '?seed=5&nodes=9');
  await setSpeed(page, '10×');
  const leader = await waitForLeader(page);
  for (const speed of ['1/20×', '1×']) {
    await setSpeed(page, speed);
    await page.selectOption('#client-target', leader.id);
    // A write every 100 ms of wall time, typed and sent the way the page's own form does it.
    await page.evaluate(() => {
      let n = 0;
      window.__writer = setInterval(() => {
        const input = document.querySelector('#client-command');
        input.value = `ADD x ${(n += 1)}`;
        input.dispatchEvent(new Event('input', { bubbles: true }));
        document.querySelector('button[data-action=send]').click();
      }, 100);
    });
    const intervals = await frameIntervals(page, 4000);
    await page.evaluate(() => clearInterval(window.__writer));
    const writes = await page.$$eval('.writes li', (lis) => lis.length);
    assert.ok(intervals.length > 10 && writes > 0);
    const p50 = percentile(intervals, 50).toFixed(1);
    const p95 = percentile(intervals, 95).toFixed(1);
    const max = Math.max(...intervals).toFixed(1);
    const entries = await page.$eval(`table.logs tr[data-node=${leader.id}]`, (tr) => tr.dataset.lastIndex);
    console.log(
      `benchmark: 9 servers, a write every 100 ms, speed ${speed}: frame interval p50 ${p50} ms, ` +
        `p95 ${p95} ms, max ${max} ms over ${intervals.length} frames (leader log ${entries} entries)`,
    );
  }
  assert.deepEqual(problems, []);
});
