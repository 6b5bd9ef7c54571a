// Shared by the end-to-end tests: serves the built page from dist/ on loopback and drives Debian's
// Chromium through playwright-core (no browser download).
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { extname, join, normalize, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = join(ROOT, 'dist');
export const SCREENSHOTS = join(ROOT, 'target', 'screenshots');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

/** Serves a built page (dist/ by default) on 127.0.0.1 at a free port, under the path `prefix`
 * (a course website's sub-path, e.g. '/courses/raft/'; anything outside it is 404), as a plain
 * static web server would; resolves to { url, close } with `url` the page's address. */
export async function serveDist(dir = DIST, prefix = '/') {
  const server = createServer(async (req, res) => {
    const whole = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (!whole.startsWith(prefix)) {
      res.writeHead(404).end('not found');
      return;
    }
    const path = '/' + whole.slice(prefix.length);
    const file = normalize(join(dir, path === '/' ? 'index.html' : path));
    if (!file.startsWith(dir)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}${prefix}`, close: () => new Promise((ok) => server.close(ok)) };
}

/** Launches headless Debian Chromium with the flags this machine needs. Playwright gives every
 * launch a fresh, empty profile directory of its own. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Opens a page at the given size and fails the test on any page error or console error.
 * `init`, if given, is a function run in the page before any of its own scripts; `context` adds
 * browser-context options (e.g. `{ hasTouch: true }`). */
export async function openPage(browser, url, { width = 1920, height = 1080, init, context: extra = {} } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, ...extra });
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  await page.goto(url);
  return { page, problems };
}

export async function screenshot(page, name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
