// The guided tour, end to end: walked start to finish with the keyboard alone (stepping back once
// in every chapter, answering every question with a digit), opened from a link, jumped around
// with the chapter menu and the step dots, and taken over into free play; questions answered by
// key and by click, and turned off with the switch, which is remembered. A screenshot per chapter
// and of a question is saved for review.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, screenshot } from './harness.mjs';
import { withBrowser, openApp, servers, LONG } from './app.mjs';

const env = withBrowser();

const tourStep = (page) => page.getAttribute('.tour', 'data-step');
const hash = (page) => page.evaluate(() => decodeURIComponent(location.hash));

async function waitForStep(page, step) {
  await page.waitForSelector(`.tour[data-step="${step}"]`, { timeout: LONG });
}

async function waitDone(page) {
  await page.waitForSelector('.tour[data-status=done]', { timeout: LONG });
}

/** Waits until the step shown has ended or asks a question; returns which. */
async function waitDoneOrAsking(page) {
  const el = await page.waitForSelector('.tour[data-status=done], .tour[data-status=asking]', { timeout: LONG });
  return el.getAttribute('data-status');
}

/** Every server's log as its cells' terms, e.g. { S1: '1 1 2', … }. */
async function logs(page) {
  return page.$$eval('table.logs tr.row', (rows) => Object.fromEntries(rows.map((r) => [
    r.dataset.node,
    [...r.querySelectorAll('td.cell[data-term]')].map((c) => c.dataset.term).join(' '),
  ])));
}

test('the whole tour with the keyboard alone, back once in every chapter', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=5');
  await page.keyboard.press('g');
  await waitForStep(page, 'consensus/one-server');
  assert.equal(await page.getAttribute('.app', 'data-mode'), 'tour');
  // Faster, so the walk takes seconds: + up to the fastest speed.
  for (let i = 0; i < 9; i++) await page.keyboard.press('+');
  assert.equal(await page.$eval('select[data-control=speed]', (s) => s.value), '10000');

  const chapters = await page.$$eval('.chapters .chapter', (as) => as.map((a) => a.dataset.chapter));
  assert.deepEqual(chapters, ['consensus', 'overview', 'election', 'replication', 'safety', 'next']);
  const visited = [];
  const wentBack = new Set();
  const asked = new Set();
  for (let guard = 0; guard < 300; guard++) {
    if (await waitDoneOrAsking(page) === 'asking') {
      // A question: nothing plays until it is answered; a digit answers it.
      const step = await tourStep(page);
      asked.add(step);
      await page.waitForSelector('.tour [data-question=open] button[data-answer]');
      const answers = await page.$$eval('.tour button[data-answer]', (bs) => bs.length);
      await page.keyboard.press(String((guard % answers) + 1));
      await page.waitForSelector('.tour [data-question=answered][data-right]');
      assert.equal(await tourStep(page), step, 'answering stays on the step');
      continue;
    }
    const step = await tourStep(page);
    const [chapter] = step.split('/');
    assert.equal(await hash(page), `#${step}`, 'the address names the step shown');
    if (visited.at(-1) !== step) visited.push(step);
    // Back once in every chapter, from its second step: the first step plays again.
    const index = await page.$$eval('.tour .dots .dot', (ds) => ds.findIndex((d) => d.classList.contains('current')));
    if (index === 1 && !wentBack.has(chapter)) {
      wentBack.add(chapter);
      const first = await page.$eval('.tour .dots .dot', (d) => d.dataset.step);
      await page.keyboard.press('ArrowLeft');
      await waitForStep(page, `${chapter}/${first}`);
      await waitDone(page);
      await page.keyboard.press('ArrowRight');
      await waitForStep(page, step);
      continue;
    }
    if (step === 'replication/minority-write') {
      // The minority leader's entry is on S1 and S2 and not committed.
      for (const s of ['S1', 'S2']) {
        const cell = page.locator(`table.logs tr.row[data-node=${s}] td.cell[data-index="3"]`);
        assert.equal(await cell.getAttribute('data-committed'), 'false', s);
        assert.ok(await cell.evaluate((c) => c.classList.contains('highlighted')), `${s} entry 3 is highlighted`);
      }
    }
    if (step === 'replication/roll-back') {
      const all = Object.values(await logs(page));
      assert.ok(all.every((l) => l === all[0] && l.length > 0), `logs agree: ${all}`);
    }
    // The last step of each chapter: a screenshot.
    const last = await page.$$eval('.tour .dots .dot', (ds) => ds.at(-1).classList.contains('current'));
    if (last) await screenshot(page, `tour-${chapter}-1920x1080`);
    if (step === 'next/free-play') break;
    await page.keyboard.press(guard % 2 ? 'ArrowRight' : 'Space');
    await page.waitForFunction((s) => document.querySelector('.tour')?.dataset.step !== s, step, { timeout: LONG });
  }
  assert.deepEqual([...wentBack], chapters, 'stepped back in every chapter');
  assert.ok(visited.length >= 40, `visited ${visited.length} steps`);
  assert.ok(asked.size >= 8, `answered ${asked.size} questions`);
  assert.ok(chapters.every((c) => visited.some((s) => s.startsWith(`${c}/`))));
  // Continue on the last step starts free play with that cluster, running.
  await page.keyboard.press('ArrowRight');
  await page.waitForSelector('.app[data-mode=free][data-playing=true]');
  await page.waitForSelector('button[data-action=play]');
  assert.equal(await hash(page), '');
  assert.deepEqual(problems, []);
});

test('a link opens its step; the chapter menu and dots jump; take over keeps the world', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=5#election/split-vote');
  await waitForStep(page, 'election/split-vote');
  await page.waitForSelector('svg.cluster g.link.highlighted');
  await page.selectOption('select[data-control=speed]', { label: '10×' });
  await page.waitForSelector('.tour[data-status=asking] [data-question=open]');
  await page.click('button[data-answer="2"]');
  await waitDone(page);
  await screenshot(page, 'tour-split-vote-1920x1080');
  // The chapter menu.
  await page.click('.chapters .chapter[data-chapter=replication]');
  await waitForStep(page, 'replication/leader');
  assert.equal(await hash(page), '#replication/leader');
  // A step dot, further on.
  await page.click('.tour .dots .dot[data-step=partition]');
  await waitForStep(page, 'replication/partition');
  await waitDone(page);
  // The browser's own Back and Forward buttons move between steps too.
  await page.goBack();
  await waitForStep(page, 'replication/leader');
  await page.goForward();
  await waitForStep(page, 'replication/partition');
  await waitDone(page);
  // Back with the button, then Continue with a click on the narration.
  await page.click('button[data-action=tour-back]');
  await waitForStep(page, 'replication/second-change');
  await page.click('.tour .narration');
  await waitForStep(page, 'replication/partition');
  await waitDone(page);
  const before = await servers(page);
  const now = await page.getAttribute('svg.cluster', 'data-now-us');
  await page.click('button[data-action=take-over]');
  await page.waitForSelector('.app[data-mode=free][data-playing=false]');
  assert.equal(await page.getAttribute('svg.cluster', 'data-now-us'), now, 'the same moment');
  assert.deepEqual(await servers(page), before, 'the same servers, roles and terms');
  assert.match(await page.getAttribute('.net-state', 'data-network'), /partitioned/);
  // Every control works on it: heal the partition.
  await page.click('button[data-action=heal]');
  await page.waitForSelector('.net-state[data-network=healthy]');
  // The tour reopens where it was left.
  await page.click('button[data-action=tour]');
  await waitForStep(page, 'replication/partition');
  await page.keyboard.press('Escape');
  await page.waitForSelector('.app[data-mode=free]');
  assert.deepEqual(problems, []);
});

test('an address naming no step is explained, and the page stays usable', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=5#election/no-such-step');
  await page.waitForSelector('.notice.error');
  assert.match(await page.textContent('.notice.error'), /no-such-step/);
  assert.equal(await page.getAttribute('.app', 'data-mode'), 'free');
  // Editing the address to a real step opens it.
  await page.evaluate(() => { location.hash = '#overview/election'; });
  await waitForStep(page, 'overview/election');
  assert.deepEqual(problems, []);
});

test('the tour at 1280×720 for review', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=5#replication/heal', { width: 1280, height: 720 });
  await waitForStep(page, 'replication/heal');
  await page.selectOption('select[data-control=speed]', { label: '10×' });
  await page.click('button[data-answer="1"]');
  await waitDone(page);
  await screenshot(page, 'tour-heal-1280x720');
  assert.deepEqual(problems, []);
});

test('a finished step waits without running any animation frame', async () => {
  const { page, problems } = await openPage(env.browser, `${env.server.url}?seed=5#overview/candidate`, {
    init: () => {
      window.__raf = 0;
      const real = window.requestAnimationFrame.bind(window);
      window.requestAnimationFrame = (cb) => {
        window.__raf += 1;
        return real(cb);
      };
    },
  });
  await waitForStep(page, 'overview/candidate');
  await page.waitForSelector('.tour [data-question=open]');
  await page.keyboard.press('2');
  await page.waitForSelector('.app[data-playing=true]');
  await waitDone(page);
  await page.waitForSelector('.app[data-playing=false]');
  await page.waitForTimeout(200); // the last frame already requested runs out
  const before = await page.evaluate(() => window.__raf);
  const now = await page.getAttribute('svg.cluster', 'data-now-us');
  await page.waitForTimeout(1000); // nothing to wait for: this checks that nothing happens
  assert.equal(await page.evaluate(() => window.__raf), before, 'no frames while the step waits');
  assert.equal(await page.getAttribute('svg.cluster', 'data-now-us'), now);
  assert.deepEqual(problems, []);
});

test('a link to a chapter opens its first step, and Back from the next step returns to it', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=5#election');
  await waitForStep(page, 'election/election-timeout');
  assert.equal(await hash(page), '#election/election-timeout', 'the address names the step');
  const entries = await page.evaluate(() => history.length);
  await page.keyboard.press('ArrowRight');
  await waitForStep(page, 'election/candidate');
  await page.goBack();
  await waitForStep(page, 'election/election-timeout');
  assert.equal(await hash(page), '#election/election-timeout');
  assert.equal(await page.evaluate(() => history.length), entries + 1, 'one history entry per step shown');
  assert.deepEqual(problems, []);
});

test('a question waits for its answer, by key or click, and the switch turns questions off for good', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=5#overview/candidate');
  await waitForStep(page, 'overview/candidate');
  await page.waitForSelector('.tour[data-status=asking] [data-question=open]');
  assert.equal(await page.$$eval('.tour button[data-answer]', (bs) => bs.length), 3);
  assert.equal(await page.$$eval('.tour .reveal', (r) => r.length), 0, 'nothing revealed before the answer');
  const now = await page.getAttribute('svg.cluster', 'data-now-us');
  await page.waitForTimeout(300); // nothing to wait for: this checks that nothing plays
  assert.equal(await page.getAttribute('svg.cluster', 'data-now-us'), now, 'nothing plays before the answer');
  assert.equal(await page.getAttribute('.app', 'data-playing'), 'false');
  await screenshot(page, 'tour-question-1920x1080');
  // Key 2 answers (S3), not chapter 2.
  await page.keyboard.press('2');
  await page.waitForSelector('.tour [data-question=answered][data-chosen="1"][data-right=true]');
  assert.equal(await tourStep(page), 'overview/candidate');
  await page.waitForSelector('.tour .verdict.right');
  await page.waitForSelector('.tour .reveal');
  await waitDone(page);
  await screenshot(page, 'tour-question-answered-1920x1080');
  // No question open: digits open chapters again.
  await page.keyboard.press('3');
  await waitForStep(page, 'election/election-timeout');
  // A click answers too; a wrong answer still plays the step, and says what is right.
  await page.evaluate(() => { location.hash = '#election/split-vote'; });
  await waitForStep(page, 'election/split-vote');
  await page.click('.tour button[data-answer="0"]');
  await page.waitForSelector('.tour [data-question=answered][data-chosen="0"][data-right=false]');
  await page.waitForSelector('.tour .verdict.wrong');
  await waitDone(page);
  // The switch turns questions off: a step that asks plays straight through.
  assert.equal(await page.isChecked('input[data-control=questions]'), true);
  await page.click('input[data-control=questions]');
  await page.evaluate(() => { location.hash = '#replication/heal'; });
  await waitForStep(page, 'replication/heal');
  await page.waitForSelector('.tour[data-status=playing], .tour[data-status=done]');
  assert.equal(await page.$$eval('.tour [data-question]', (q) => q.length), 0);
  await waitDone(page);
  await page.waitForSelector('.tour .reveal');
  // Remembered on the next visit.
  await page.reload();
  await waitForStep(page, 'replication/heal');
  assert.equal(await page.isChecked('input[data-control=questions]'), false);
  await page.evaluate(() => { location.hash = '#overview/candidate'; });
  await waitForStep(page, 'overview/candidate');
  await waitDone(page);
  assert.equal(await page.$$eval('.tour [data-question]', (q) => q.length), 0);
  // On again.
  await page.click('input[data-control=questions]');
  await page.evaluate(() => { location.hash = '#election/leader-stops'; });
  await waitForStep(page, 'election/leader-stops');
  await page.waitForSelector('.tour [data-question=open]');
  assert.deepEqual(problems, []);
});

test('a question of the Safety chapter at 1280×720 for review', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=5#safety/old-term-entry', { width: 1280, height: 720 });
  await waitForStep(page, 'safety/old-term-entry');
  await page.waitForSelector('.tour [data-question=open]');
  await screenshot(page, 'tour-question-1280x720');
  await page.keyboard.press('2');
  await page.waitForSelector('.tour [data-question=answered][data-right=true]');
  await page.selectOption('select[data-control=speed]', { label: '10×' });
  await waitDone(page);
  await screenshot(page, 'tour-question-answered-1280x720');
  assert.deepEqual(problems, []);
});
