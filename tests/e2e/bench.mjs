// Benchmark figures, printed for people to read, never a pass/fail gate and never counted as a
// test: frame times in Chromium with nine servers under a steady stream of client writes, and
// going back in time in an hour-long run. Run by scripts/test.sh after the tests
// (`node tests/e2e/bench.mjs`, against the built dist/).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { serveDist, launchBrowser, ROOT } from './harness.mjs';
import { openApp, setSpeed, waitForLeader, play } from './app.mjs';

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

/** Main-thread busy time per animation frame (ms) over `ms` of wall time: the Chrome DevTools
 * Protocol's TaskDuration (script, style, layout, paint) divided by the frames drawn, with the
 * script, style and layout parts. */
async function busyPerFrame(page, ms) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const names = ['TaskDuration', 'ScriptDuration', 'RecalcStyleDuration', 'LayoutDuration'];
  const read = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return names.map((n) => metrics.find((m) => m.name === n).value);
  };
  const before = await read();
  const frames = Math.max((await frameIntervals(page, ms)).length, 1);
  const after = await read();
  await cdp.detach();
  const [task, script, style, layout] = after.map((v, i) => ((v - before[i]) * 1000) / frames);
  return { task, script, style, layout, toString: () => `${task.toFixed(2)} ms (script ${script.toFixed(2)}, style ${style.toFixed(2)}, layout ${layout.toFixed(2)})` };
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** A write every 100 ms of wall time, typed and sent the way the page's own form does it. */
async function startWriter(page) {
  await page.evaluate(() => {
    let n = 0;
    window.__writer = setInterval(() => {
      const input = document.querySelector('#client-command');
      input.value = `ADD x ${(n += 1)}`;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      document.querySelector('button[data-action=send]').click();
    }, 100);
  });
}

async function frameTimes(browser, server) {
  const { page, problems } = await openApp(browser, server, '?seed=5&nodes=9');
  await setSpeed(page, '10×');
  const leader = await waitForLeader(page);
  for (const speed of ['1/20×', '1×']) {
    await setSpeed(page, speed);
    await page.selectOption('#client-target', leader.id);
    await startWriter(page);
    const intervals = await frameIntervals(page, 4000);
    const busy = await busyPerFrame(page, 3000);
    await page.evaluate(() => clearInterval(window.__writer));
    const writes = await page.$$eval('.writes li', (lis) => lis.length);
    assert.ok(intervals.length > 10 && writes > 0);
    const p50 = percentile(intervals, 50).toFixed(1);
    const p95 = percentile(intervals, 95).toFixed(1);
    const max = Math.max(...intervals).toFixed(1);
    const entries = await page.$eval(`table.logs tr[data-node=${leader.id}]`, (tr) => tr.dataset.lastIndex);
    console.log(
      `benchmark: 9 servers, a write every 100 ms, speed ${speed}: frame interval p50 ${p50} ms, ` +
        `p95 ${p95} ms, max ${max} ms over ${intervals.length} frames (leader log ${entries} entries); ` +
        `main-thread busy per frame ${busy}`,
    );
  }
  // A long history: a minute of wall time at 10× with the writes going on, then 1× again.
  await setSpeed(page, '10×');
  await startWriter(page);
  await page.waitForTimeout(60000);
  await setSpeed(page, '1×');
  const busy = await busyPerFrame(page, 3000);
  await page.evaluate(() => clearInterval(window.__writer));
  const shown = await page.$eval('.clock', (c) => Number(c.dataset.timeUs) / 1e6);
  const entries = await page.$eval(`table.logs tr[data-node=${leader.id}]`, (tr) => tr.dataset.lastIndex);
  console.log(
    `benchmark: 9 servers after ${shown.toFixed(0)} simulated seconds with writes (leader log ${entries} entries), ` +
      `at 1×: main-thread busy per frame ${busy}`,
  );
  assert.deepEqual(problems, []);
}

/** The size of the page's WebAssembly memory in MB (it only grows: a high-water mark). */
async function wasmMemoryMb(page) {
  return page.evaluate(() => (window.__wasmMemory ? window.__wasmMemory.buffer.byteLength / 1e6 : NaN));
}

/** Going back in time in an hour of free play (5 servers, a write a second), in Chromium: opens
 * the run the history benchmark saved, then clicks the timeline at instants spread over the hour
 * and times each click until the page shows that instant (the clock changes, then a frame). */
async function seekTimes(browser, server) {
  const file = join(ROOT, 'target', 'hour-run.json');
  if (!existsSync(file)) {
    console.log('benchmark: no hour-long run saved (the history example writes target/hour-run.json with --save)');
    return;
  }
  const init = () => addEventListener('TrunkApplicationStarted', (e) => { window.__wasmMemory = e.detail.wasm.memory; });
  const { page, problems } = await openApp(browser, server, '?seed=1', { init });
  const fresh = await wasmMemoryMb(page);
  const started = Date.now();
  await page.setInputFiles('input[type=file]', file);
  await page.waitForFunction(
    () => Number(document.querySelector('[data-timeline]')?.dataset.runEndUs) >= 3600e6,
    null,
    { timeout: 300000 },
  );
  const openMs = Date.now() - started;
  const opened = await wasmMemoryMb(page);
  const box = await page.locator('[data-timeline]').boundingBox();
  const times = [];
  for (let i = 0; i < 24; i++) {
    const x = box.x + (box.width * (((i * 7) % 24) + 0.5)) / 24;
    await page.evaluate(() => {
      const seek = { start: null, took: null };
      window.__seek = seek;
      const shown = () => document.querySelector('.clock').dataset.timeUs;
      const before = shown();
      document.addEventListener('pointerdown', () => { seek.start = performance.now(); }, { once: true, capture: true });
      const watch = new MutationObserver(() => {
        if (shown() !== before && seek.start !== null) {
          watch.disconnect();
          requestAnimationFrame(() => { seek.took = performance.now() - seek.start; });
        }
      });
      watch.observe(document.body, { attributes: true, subtree: true, attributeFilter: ['data-time-us'] });
    });
    await page.mouse.click(x, box.y + box.height / 2);
    await page.waitForFunction(() => window.__seek.took !== null, null, { timeout: 60000 });
    times.push(await page.evaluate(() => window.__seek.took));
  }
  const median = percentile(times, 50).toFixed(1);
  const max = Math.max(...times).toFixed(1);
  // A frame of the hour-long run, playing at 1× from its end, against a fresh run's.
  await page.keyboard.press('End');
  await setSpeed(page, '1×');
  await play(page);
  const longBusy = await busyPerFrame(page, 3000);
  const fresh5 = await openApp(browser, server, '?seed=1');
  await setSpeed(fresh5.page, '1×');
  await waitForLeader(fresh5.page);
  const freshBusy = await busyPerFrame(fresh5.page, 3000);
  await fresh5.page.close();
  console.log(
    `benchmark: an hour of free play (5 servers, a write a second) opened from a file in ${openMs} ms; ` +
      `going to an instant by clicking the timeline: median ${median} ms, max ${max} ms over ${times.length} clicks; ` +
      `WebAssembly memory ${fresh.toFixed(1)} MB fresh, ${opened.toFixed(1)} MB with the hour open (a high-water mark)`,
  );
  console.log(
    `benchmark: main-thread busy per frame, 5 servers at 1×: ${freshBusy} fresh; ` +
      `${longBusy} playing on after the hour`,
  );
  assert.deepEqual(problems, []);
}

/** How long what loads on demand takes, on loopback: from a click to the tour's first step
 * drawn (the lesson fetched and read), and to a preset opened (its file fetched and played). */
async function onDemandTimes(browser, server) {
  const tour = [];
  const preset = [];
  const fetches = [];
  for (let i = 0; i < 5; i++) {
    const { page, problems } = await openApp(browser, server, '?seed=1');
    page.on('requestfinished', (r) => {
      if (/lessons\/|scenarios\//.test(r.url())) fetches.push(Math.round(r.timing().responseEnd));
    });
    const t0 = Date.now();
    await page.click('button[data-action=tour]');
    await page.waitForSelector('.tour[data-step]');
    tour.push(Date.now() - t0);
    await page.click('button[data-action=tour-close]');
    await page.waitForSelector('.app[data-mode=free]');
    const t1 = Date.now();
    await page.selectOption('select[data-control=preset]', 'figure7');
    await page.waitForSelector('.notice.info');
    preset.push(Date.now() - t1);
    assert.deepEqual(problems, []);
    await page.context().close();
  }
  const mid = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
  console.log(
    `benchmark: on demand, on loopback: the tour's lesson fetched and its first step drawn in ${mid(tour)} ms median ` +
      `(max ${Math.max(...tour)}); the largest preset fetched and played in ${mid(preset)} ms median (max ${Math.max(...preset)}); ` +
      `each file's own fetch ${mid(fetches)} ms median (max ${Math.max(...fetches)})`,
  );
}

const server = await serveDist();
const browser = await launchBrowser();
try {
  await onDemandTimes(browser, server);
  await seekTimes(browser, server);
  await frameTimes(browser, server);
} finally {
  await browser.close();
  await server.close();
}
