// What a person does to the page, for the end-to-end tests. Everything is found through the
// page's data-* hooks (data-node, data-role, data-term, data-time-us, data-committed, ...), never
// through wording, and every wait is for a condition, never a fixed sleep.
import { before, after } from 'node:test';
import { openPage, serveDist, launchBrowser } from './harness.mjs';

export const LONG = 20000;

/** Serves dist/ and launches Chromium once for a test file; returns { server, browser }, filled
 * in before the first test and closed after the last. */
export function withBrowser() {
  const env = {};
  before(async () => {
    env.server = await serveDist();
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}

/** Opens the app with a query string (e.g. '?seed=4') and waits for the servers to be drawn. */
export async function openApp(browser, server, query = '', size = {}) {
  const { page, problems } = await openPage(browser, server.url + query, size);
  await page.waitForSelector('svg.cluster g.node', { timeout: LONG });
  return { page, problems };
}

/** Picks a playback speed by its label, e.g. '10×'. */
export async function setSpeed(page, label) {
  await page.selectOption('select[data-control=speed]', { label });
}

export async function isPlaying(page) {
  return (await page.getAttribute('.app', 'data-playing')) === 'true';
}

export async function pause(page) {
  if (await isPlaying(page)) await page.click('button[data-action=play]');
  await page.waitForSelector('.app[data-playing=false]');
}

export async function play(page) {
  if (!(await isPlaying(page))) await page.click('button[data-action=play]');
  await page.waitForSelector('.app[data-playing=true]');
}

/** Pauses, then steps event by event until a message of `kind` (any if null) is in flight. */
export async function pauseWithMessageInFlight(page, kind = null) {
  await pause(page);
  const selector = kind ? `svg.cluster g.packet[data-kind=${kind}]` : 'svg.cluster g.packet';
  for (let i = 0; i < 500 && !(await page.$(selector)); i++) {
    await page.click('button[data-action=step-event]');
  }
  await page.waitForSelector(selector, { timeout: 1000 });
}

/** Clicks a message in flight of `kind` (any if null) that no other message covers, as a person
 * would pick one out of a crowd; returns its packet id. */
export async function clickMessage(page, kind = null) {
  const id = await page.evaluate((kind) => {
    const all = [...document.querySelectorAll(kind ? `svg.cluster g.packet[data-kind=${kind}]` : 'svg.cluster g.packet')];
    const clear = all.find((g) => {
      const r = g.getBoundingClientRect();
      const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
      return hit && hit.closest('g.packet') === g;
    });
    return (clear ?? all[all.length - 1])?.dataset.packet ?? null;
  }, kind);
  if (id === null) throw new Error(`no ${kind ?? ''} message in flight`);
  await page.click(`svg.cluster g.packet[data-packet="${id}"]`);
  return id;
}

/** Simulated time in microseconds, from the clock's data-time-us. */
export async function timeUs(page) {
  return Number(await page.getAttribute('.clock', 'data-time-us'));
}

/** Every server as drawn: { id, role, term, crashed, votedFor }. */
export async function servers(page) {
  return page.$$eval('svg.cluster g.node', (gs) =>
    gs.map((g) => ({
      id: g.dataset.node,
      role: g.dataset.role,
      term: Number(g.dataset.term),
      crashed: g.dataset.crashed === 'true',
      votedFor: g.dataset.votedFor,
    })),
  );
}

/** Waits for a live leader whose term is at least `minTerm`, among `among` (ids) if given, and
 * returns { id, term }. */
export async function waitForLeader(page, { minTerm = 1, among = null, timeout = LONG } = {}) {
  const handle = await page.waitForFunction(
    ({ minTerm, among }) => {
      const found = [...document.querySelectorAll('svg.cluster g.node[data-role=leader][data-crashed=false]')]
        .map((g) => ({ id: g.dataset.node, term: Number(g.dataset.term) }))
        .filter((l) => l.term >= minTerm && (!among || among.includes(l.id)))
        .sort((a, b) => b.term - a.term);
      return found.length > 0 ? found[0] : null;
    },
    { minTerm, among },
    { timeout },
  );
  return handle.jsonValue();
}

/** Clicks a server's body (its centre), as a person would. */
export async function clickServer(page, id) {
  await page.click(`svg.cluster g.node[data-node=${id}] .body`);
}

/** Sends a client write: picks the server, types the command, presses Enter. */
export async function write(page, to, command) {
  await page.selectOption('#client-target', to);
  await page.fill('#client-command', command);
  await page.press('#client-command', 'Enter');
}

/** The log cells of one server's row: [{ index, term, committed }], non-empty cells only. */
export async function logOf(page, id) {
  return page.$$eval(`table.logs tr[data-node=${id}] td.cell[data-term]`, (tds) =>
    tds.map((td) => ({
      index: Number(td.dataset.index),
      term: Number(td.dataset.term),
      committed: td.dataset.committed === 'true',
      title: td.title,
    })),
  );
}

/** Waits until `predicate(cells, arg)` holds for a server's log row (as `logOf` reads it). The
 * predicate runs here, not in the page: the page's Content-Security-Policy refuses to evaluate
 * code it did not ship. */
export async function waitForLog(page, id, predicate, arg = null, timeout = LONG) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const cells = await logOf(page, id);
    if (predicate(cells, arg)) return cells;
    if (Date.now() > deadline) {
      throw new Error(`waited ${timeout} ms for ${id}'s log to satisfy ${predicate}; it is ${JSON.stringify(cells)}`);
    }
    // The next look comes after the page has drawn another frame.
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => done())));
  }
}
