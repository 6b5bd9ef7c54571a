// The first page, end to end: the built app loads in real Chromium and draws the cluster.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveDist, launchBrowser, openPage, screenshot } from './harness.mjs';

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

test('the page draws five servers from the core', async () => {
  const { page, problems } = await openPage(browser, server.url);
  await page.waitForSelector('svg g.node', { timeout: 20000 });
  const names = await page.$$eval('svg g.node', (gs) => gs.map((g) => g.dataset.node));
  assert.deepEqual(names, ['S1', 'S2', 'S3', 'S4', 'S5']);
  const path = await screenshot(page, 'first-page-1920x1080');
  assert.ok(path.endsWith('.png'));
  assert.deepEqual(problems, []);
});

test('the page runs only its own files: a script slipped into it is refused', async () => {
  const { page, problems } = await openPage(browser, server.url);
  await page.waitForSelector('svg.cluster g.node');
  const policy = await page.getAttribute('meta[http-equiv=Content-Security-Policy]', 'content');
  assert.match(policy, /default-src 'self'/);
  assert.match(policy, /script-src 'self' 'wasm-unsafe-eval' 'sha256-/);
  assert.doesNotMatch(policy, /script-src[^;]*unsafe-inline/);
  const outcome = await page.evaluate(
    () =>
      new Promise((done) => {
        window.__slipped = false;
        document.addEventListener('securitypolicyviolation', (e) => done(`refused (${e.violatedDirective})`), { once: true });
        const s = document.createElement('script');
        s.textContent = 'window.__slipped = true;';
        document.head.append(s);
        requestAnimationFrame(() => requestAnimationFrame(() => window.__slipped && done('ran')));
      }),
  );
  assert.match(outcome, /^refused \(script-src/);
  // The refusal is logged as a console error; nothing else may be.
  assert.deepEqual(problems.filter((p) => !/Content Security Policy/.test(p)), []);
});
