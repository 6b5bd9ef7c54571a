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

test('the first load leaves out the lesson and the presets; each comes when first needed', async () => {
  const { page, problems } = await openPage(browser, server.url + '?seed=3');
  const fetched = [];
  page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  await page.waitForSelector('svg.cluster g.node');
  await page.waitForLoadState('networkidle');
  assert.deepEqual(fetched.filter((p) => /lessons\/|scenarios\//.test(p)), [], 'nothing on demand in the first load');

  await page.click('button[data-action=tour]');
  await page.waitForSelector('.tour[data-step]');
  assert.deepEqual(fetched.filter((p) => /lessons\//.test(p)), ['/lessons/raft.json']);
  await page.click('button[data-action=tour-close]');
  await page.waitForSelector('.app[data-mode=free]');

  await page.selectOption('select[data-control=preset]', 'figure8');
  await page.waitForSelector('.notice.info');
  assert.match(await page.textContent('.notice.info'), /Figure 8/);
  assert.deepEqual(fetched.filter((p) => /scenarios\//.test(p)), ['/scenarios/figure8.json']);
  // Opened again, it is not fetched again.
  await page.selectOption('select[data-control=preset]', 'figure8');
  await page.waitForSelector('.notice.info');
  assert.equal(fetched.filter((p) => /scenarios\//.test(p)).length, 1);
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('a lesson that cannot be fetched is a clear message, and free play goes on', async () => {
  const { page, problems } = await openPage(browser, server.url + '?seed=3');
  await page.route('**/lessons/raft.json', (route) => route.fulfill({ status: 404, body: 'gone' }));
  await page.waitForSelector('svg.cluster g.node');
  await page.click('button[data-action=tour]');
  const notice = await page.waitForSelector('.notice.error');
  assert.match(await notice.textContent(), /Could not load the tour's lesson \(lessons\/raft\.json\): the server answered 404/);
  assert.equal(await page.getAttribute('.app', 'data-mode'), 'free');
  assert.equal(await page.$$eval('svg.cluster g.node', (gs) => gs.length), 5);
  // The network refused the file, as the browser reports it; nothing else went wrong.
  assert.deepEqual(problems.filter((p) => !/404/.test(p)), []);
  await page.context().close();
});
