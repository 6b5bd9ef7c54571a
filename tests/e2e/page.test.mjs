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
