// The page as a course website serves it: built with `trunk build --release --public-url
// /courses/raft/` (scripts/test.sh does it, into target/subpath-dist) and served under that path
// by a plain static server. Links to tour steps, presets, the favicon and free play all work there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, serveDist, launchBrowser, openPage, screenshot } from './harness.mjs';

const PREFIX = '/courses/raft/';
const DIR = join(ROOT, 'target', 'subpath-dist');
const env = {};
before(async () => {
  assert.ok(existsSync(join(DIR, 'index.html')), `no sub-path build in ${DIR}: run trunk build --release --public-url ${PREFIX} --dist ${DIR}`);
  env.server = await serveDist(DIR, PREFIX);
  env.browser = await launchBrowser();
});
after(async () => {
  await env.browser?.close();
  await env.server?.close();
});

test('under a sub-path: a tour step by its link, the favicon, a preset, free play', async () => {
  const { page, problems } = await openPage(env.browser, `${env.server.url}#election/split-vote`);
  await page.waitForSelector('.app[data-mode=tour]');
  assert.equal(await page.getAttribute('.tour', 'data-step'), 'election/split-vote');
  const favicon = await page.evaluate(async () => {
    const href = document.querySelector('link[rel=icon]').href;
    const res = await fetch(href);
    return { href, ok: res.ok, type: res.headers.get('content-type') };
  });
  assert.ok(favicon.ok && favicon.href.includes('/courses/raft/'), JSON.stringify(favicon));
  await screenshot(page, 'subpath-tour');
  await page.keyboard.press('Escape');
  await page.waitForSelector('.app[data-mode=free]');
  assert.ok(new URL(page.url()).pathname.startsWith(PREFIX), `the address stays under the path: ${page.url()}`);
  await page.selectOption('select[data-control=preset]', 'figure8');
  await page.waitForSelector('.notice.info');
  await page.keyboard.press('End');
  await page.waitForFunction(() => Number(document.querySelector('.clock').dataset.timeUs) > 0);
  assert.deepEqual(problems, []);
});
