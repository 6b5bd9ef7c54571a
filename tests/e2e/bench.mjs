// Benchmark figures, printed for people to read, never a pass/fail gate and never counted as a
// test: frame times in Chromium with nine servers under a steady stream of client writes. Run by
// scripts/test.sh after the tests (`node tests/e2e/bench.mjs`, against the built dist/).
import assert from 'node:assert/strict';
import { serveDist, launchBrowser } from './harness.mjs';
import { openApp, setSpeed, waitForLeader } from './app.mjs';

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

async function frameTimes(browser, server) {
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
}

const server = await serveDist();
const browser = await launchBrowser();
try {
  await frameTimes(browser, server);
} finally {
  await browser.close();
  await server.close();
}
