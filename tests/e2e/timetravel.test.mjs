// Time travel in free play: the timeline, going back before a crash, the same future when
// playing on, a new branch when acting in the past, and Ctrl+Z bringing the old one back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot } from './harness.mjs';
import {
  withBrowser, openApp, setSpeed, pause, play, timeUs, waitForLeader, clickServer, LONG,
} from './app.mjs';

const env = withBrowser();

/** The event log as shown: each entry's number and words. */
async function events(page) {
  return page.$$eval('.events li', (lis) => lis.map((li) => `${li.dataset.seq} ${li.textContent}`));
}

/** Asserts two views of the event log show the same newest events, entry for entry. The log
 * draws as many entries as its box holds, and the box is shorter while the inspector is open,
 * so one view may show fewer: those must be the other's newest. */
function sameNewest(shown, expected, message) {
  const n = Math.min(shown.length, expected.length);
  assert.ok(n >= 4, `${message}: at least four entries shown (${shown.length} and ${expected.length})`);
  assert.deepEqual(shown.slice(0, n), expected.slice(0, n), message);
}

async function endUs(page) {
  return Number(await page.getAttribute('[data-timeline]', 'data-end-us'));
}

/** The latest instant the run has reached (µs). */
async function runEndUs(page) {
  return Number(await page.getAttribute('[data-timeline]', 'data-run-end-us'));
}

/** Drags the timeline's cursor from its right end to instant `t` (µs), as a person would: the
 * tracks run from 0 to `data-end-us`, a little past the run's end. */
async function dragTimelineTo(page, t) {
  const box = await page.locator('[data-timeline]').boundingBox();
  const end = await endUs(page);
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width - 1, y);
  await page.mouse.down();
  await page.mouse.move(box.x + (box.width * t) / end, y, { steps: 10 });
  await page.mouse.up();
}

test('go back before a crash, play the same future, branch in the past, undo', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=5&nodes=5');
  await setSpeed(page, '5×');
  const old = await waitForLeader(page);
  await pause(page);
  await clickServer(page, old.id);
  await page.click('.inspector button[data-action=crash]');
  await page.waitForSelector(`svg.cluster g.node[data-node=${old.id}][data-crashed=true]`);
  const crashedAt = await timeUs(page);
  await page.waitForSelector(`[data-timeline] .you-mark[data-act=crash][data-at-us="${crashedAt}"]`);
  await play(page);
  const next = await waitForLeader(page, { minTerm: old.term + 1 });
  assert.notEqual(next.id, old.id);
  await pause(page);
  const end = await timeUs(page);
  const future = await events(page);
  await page.waitForSelector(`[data-timeline] [data-lane=${next.id}] .seg.leader`);
  await screenshot(page, 'timeline-1920');

  // Dragging the timeline back before the crash: the old leader is alive and leading again.
  await dragTimelineTo(page, crashedAt * 0.8);
  await page.waitForFunction((t) => Number(document.querySelector('.clock').dataset.timeUs) < t, crashedAt);
  await page.waitForSelector(`svg.cluster g.node[data-node=${old.id}][data-role=leader][data-crashed=false]`);
  const shown = await timeUs(page);
  assert.ok(Math.abs(shown - crashedAt * 0.8) < end * 0.02, `dropped at ${shown} µs, aimed at ${crashedAt * 0.8}`);
  const cursor = Number(await page.getAttribute('[data-timeline-cursor]', 'data-time-us'));
  assert.equal(cursor, await timeUs(page), 'the cursor marks the instant shown');
  assert.equal(await runEndUs(page), end, 'going back loses nothing');

  // Playing forward: the crash happens again at its instant, and the same future follows.
  await play(page);
  await page.waitForSelector(`svg.cluster g.node[data-node=${old.id}][data-crashed=true]`, { timeout: LONG });
  await pause(page);
  // Playing on may have passed the old latest instant before the pause took effect, so step
  // back event by event to the last event at or before it: the world there shows the same
  // events as the world at the old latest instant.
  const runEnd = await runEndUs(page);
  if (runEnd === end) {
    await page.keyboard.press('End');
    await page.waitForFunction((t) => Number(document.querySelector('.clock').dataset.timeUs) === t, end);
  }
  for (let i = 0; i < 500 && (await timeUs(page)) > end; i += 1) {
    const before = await timeUs(page);
    await page.keyboard.press('Shift+ArrowLeft');
    await page.waitForFunction((t) => Number(document.querySelector('.clock').dataset.timeUs) < t, before);
  }
  assert.ok((await timeUs(page)) <= end);
  sameNewest(await events(page), future, 'the same future, event for event');
  await page.keyboard.press('End');
  await page.waitForFunction((t) => Number(document.querySelector('.clock').dataset.timeUs) === t, runEnd);
  const latest = await events(page);

  // Acting in the past starts a new branch: here the old leader is never crashed.
  await page.keyboard.press('Home');
  await page.waitForFunction(() => document.querySelector('.clock').dataset.timeUs === '0');
  await dragTimelineTo(page, crashedAt / 2);
  await page.waitForFunction((t) => Number(document.querySelector('.clock').dataset.timeUs) < t, crashedAt);
  const branchAt = await timeUs(page);
  const other = old.id === 'S1' ? 'S2' : 'S1';
  await clickServer(page, other);
  await page.click('.inspector button[data-action=crash]');
  await page.waitForFunction((t) => Number(document.querySelector('[data-timeline]').dataset.runEndUs) === t, branchAt);
  assert.equal(await page.$$eval('[data-timeline] .you-mark', (m) => m.length), 1, 'the old crash is cut');
  await play(page);
  await page.waitForFunction((t) => Number(document.querySelector('.clock').dataset.timeUs) > t, crashedAt + 100000);
  await pause(page);
  assert.equal(
    await page.getAttribute(`svg.cluster g.node[data-node=${old.id}]`, 'data-crashed'),
    'false',
    'in this branch the old leader was never crashed',
  );

  // Ctrl+Z: the crash of the other server is undone, with the future played after it, and the
  // old branch comes back with its own future.
  await page.keyboard.press('Control+z');
  await page.waitForFunction((t) => Number(document.querySelector('[data-timeline]').dataset.runEndUs) === t, runEnd);
  await page.waitForSelector(`[data-timeline] .you-mark[data-act=crash][data-at-us="${crashedAt}"]`);
  await page.keyboard.press('End');
  await page.waitForFunction((t) => Number(document.querySelector('.clock').dataset.timeUs) === t, runEnd);
  sameNewest(await events(page), latest, 'the old branch, event for event');
  assert.deepEqual(problems, []);
});

test('the step back button, Shift+← and clicking an event go back in time', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=9&nodes=3', { width: 1280, height: 720 });
  await setSpeed(page, '5×');
  await waitForLeader(page);
  await pause(page);
  const t0 = await timeUs(page);
  await page.click('button[data-action=step-back]');
  await page.waitForFunction((t) => Number(document.querySelector('.clock').dataset.timeUs) < t, t0);
  const t1 = await timeUs(page);
  assert.equal(t0 - t1, 10000, 'one tick back');
  await page.keyboard.press('Shift+ArrowLeft');
  await page.waitForFunction((t) => Number(document.querySelector('.clock').dataset.timeUs) < t, t1);
  const at = await page.getAttribute('.events li:last-child', 'data-at-us');
  await page.click('.events li:last-child');
  await page.waitForFunction((t) => document.querySelector('.clock').dataset.timeUs === t, at);
  await screenshot(page, 'timeline-1280');
  assert.deepEqual(problems, []);
});

test('zoomed in, messages are arrows between lanes; clicking one selects that message', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=5&nodes=5');
  await setSpeed(page, '5×');
  await waitForLeader(page);
  await pause(page);
  await page.keyboard.press('z');
  await page.keyboard.press('z');
  await page.keyboard.press('z');
  await page.waitForFunction(() => document.querySelector('select[data-control=zoom]').selectedIndex === 3);
  const start = Number(await page.getAttribute('[data-timeline]', 'data-start-us'));
  const end = Number(await page.getAttribute('[data-timeline]', 'data-end-us'));
  assert.equal(end - start, 200000, 'the last 200 ms');
  await page.waitForSelector('[data-timeline] svg.spacetime g.arrow.hb:not(.flying)');
  await screenshot(page, 'spacetime-1920');
  // The newest heartbeat's arrow that arrived: clicking it goes to when it was in flight and
  // selects it. (One still in flight may have only just left, a line a pixel or two long that a
  // click at its middle can miss.)
  const id = await page.$$eval('[data-timeline] svg.spacetime g.arrow.hb:not(.flying)', (gs) => gs[gs.length - 1].dataset.packet);
  await page.click(`[data-timeline] svg.spacetime g.arrow[data-packet="${id}"]`, { force: true });
  await page.waitForSelector(`.inspector [data-inspect-packet="${id}"]`);
  await page.waitForSelector(`svg.cluster g.packet.selected[data-packet="${id}"]`);
  // Going to an instant inside the zoomed window leaves the window where it is.
  const box = await page.locator('[data-timeline]').boundingBox();
  const shownBefore = await timeUs(page);
  await page.mouse.click(box.x + box.width * 0.3, box.y + box.height - 4);
  await page.waitForFunction((t) => Number(document.querySelector('.clock').dataset.timeUs) !== t, shownBefore);
  assert.equal(Number(await page.getAttribute('[data-timeline]', 'data-start-us')), start, 'the window stays put');
  const shown = await timeUs(page);
  assert.ok(Math.abs(shown - (start + 0.3 * (end - start))) < 20000, `went to ${shown} µs`);
  await page.keyboard.press('Shift+Z');
  await page.waitForFunction(() => document.querySelector('select[data-control=zoom]').selectedIndex === 2);
  assert.deepEqual(problems, []);
});
