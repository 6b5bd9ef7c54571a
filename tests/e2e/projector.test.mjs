// The page in a lecture hall: the light and dark themes (remembered, and chosen from the
// system's wishes on a first visit), every text at 7:1 contrast or more in both, a presenter's
// clicker (PageDown / PageUp), blanking (B), full screen, reading text large enough for the
// back row at 1280×720 with every step of the tour whole in its panel at large text (and a
// visible cue wherever the reading part still scrolls at largest), and no pulsing for those who
// ask for less motion. Screenshots of both themes at 1920×1080 and 1280×720 are saved for review.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { screenshot, ROOT } from './harness.mjs';
import { withBrowser, openApp, pause, pauseWithMessageInFlight, waitForLeader, write, timeUs, setSpeed, LONG } from './app.mjs';
import { measureContrast } from './contrast.mjs';

const env = withBrowser();
const MIN_CONTRAST = 7;

const theme = (page) => page.getAttribute('.app', 'data-theme');

async function setTheme(page, want) {
  // By key, which works with the help open too.
  if ((await theme(page)) !== want) await page.keyboard.press('l');
  await page.waitForSelector(`.app[data-theme=${want}]`);
}

function assertNoProblems(problems) {
  assert.deepEqual(problems, [], 'no page or console errors');
}

test('the theme follows the system on a first visit, toggles, and is remembered', async () => {
  const dark = await openApp(env.browser, env.server, '?seed=3', { context: { colorScheme: 'dark' } });
  assert.equal(await theme(dark.page), 'dark');
  assert.equal(await dark.page.getAttribute('html', 'data-theme'), 'dark', 'the document behind follows');
  await dark.page.click('button[data-action=theme]');
  await dark.page.waitForSelector('.app[data-theme=light]');
  assert.equal(await dark.page.getAttribute('html', 'data-theme'), 'light');
  await dark.page.reload();
  await dark.page.waitForSelector('svg.cluster g.node');
  assert.equal(await theme(dark.page), 'light', 'the choice outlives a reload');
  // The key does the same, and the choice is remembered over the system's.
  await dark.page.keyboard.press('l');
  await dark.page.waitForSelector('.app[data-theme=dark]');
  await dark.page.reload();
  await dark.page.waitForSelector('.app[data-theme=dark] svg.cluster g.node');
  assertNoProblems(dark.problems);
  await dark.page.context().close();

  const light = await openApp(env.browser, env.server, '?seed=3', { context: { colorScheme: 'light' } });
  assert.equal(await theme(light.page), 'light', 'a light system gets the light theme');
  await light.page.context().close();
  const more = await openApp(env.browser, env.server, '?seed=3', { context: { colorScheme: 'dark', contrast: 'more' } });
  assert.equal(await theme(more.page), 'light', 'asking for more contrast gets the high-contrast light theme');
  await more.page.context().close();
});

/** Checks every visible text on the page in both themes; returns the lowest ratio per theme. */
async function contrastInBothThemes(page, label) {
  const lowest = {};
  for (const t of ['dark', 'light']) {
    await setTheme(page, t);
    const found = await page.evaluate(measureContrast);
    assert.ok(found.length > 20, `${label}: texts were found (${found.length})`);
    const poor = found.filter((r) => r.ratio < MIN_CONTRAST);
    assert.deepEqual(poor, [], `${label}, ${t} theme: texts under ${MIN_CONTRAST}:1`);
    lowest[t] = found[0];
    console.log(`# ${label}, ${t}: ${found.length} texts, lowest ${found[0].ratio}:1 (${found[0].where} "${found[0].text}")`);
  }
  return lowest;
}

test('every text has a contrast of 7:1 or more in both themes', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=3', { width: 1280, height: 720 });
  const leader = await waitForLeader(page);
  await write(page, leader.id, 'SET x 5');
  await page.waitForSelector('table.logs td.cell[data-committed=true]', { timeout: LONG });
  await write(page, leader.id, 'ADD x 2');
  await pause(page);
  // A crashed server: its row in the logs steps back, and keeps its contrast.
  const follower = await page.getAttribute('svg.cluster g.node[data-role=follower][data-crashed=false]', 'data-node');
  await page.click(`svg.cluster g.node[data-node=${follower}] .body`);
  await page.click('.inspector button[data-action=crash]');
  await page.waitForSelector(`table.logs tr.crashed[data-node=${follower}]`);
  await page.click(`svg.cluster g.node[data-node=${leader.id}] .body`);
  await contrastInBothThemes(page, 'free play');
  await page.keyboard.press('?');
  await page.waitForSelector('.help');
  await contrastInBothThemes(page, 'help');
  await page.keyboard.press('Escape');

  await page.goto(`${env.server.url}?seed=3#election/votes`);
  await page.waitForSelector('.tour[data-status=done]', { timeout: LONG });
  await contrastInBothThemes(page, 'tour');
  assertNoProblems(problems);
  await page.context().close();
});

test('a clicker moves the tour with PageDown and PageUp, and steps free play', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=3#election/votes');
  const start = Number(await page.getAttribute('.tour', 'data-index'));
  await page.keyboard.press('PageDown');
  await page.waitForSelector(`.tour[data-index="${start + 1}"]`);
  await page.keyboard.press('PageUp');
  await page.waitForSelector(`.tour[data-index="${start}"]`);

  await page.keyboard.press('Escape');
  await page.waitForSelector('.app[data-mode=free]');
  await pause(page);
  const t0 = await timeUs(page);
  await page.keyboard.press('PageDown');
  await page.waitForFunction((t) => Number(document.querySelector('.clock').dataset.timeUs) > t, t0);
  await page.keyboard.press('PageUp');
  await page.waitForFunction((t) => Number(document.querySelector('.clock').dataset.timeUs) === t, t0);
  assertNoProblems(problems);
  await page.context().close();
});

test('B blanks the screen and any key brings it back without doing anything else', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=3');
  await pause(page);
  const t0 = await timeUs(page);
  await page.keyboard.press('b');
  await page.waitForSelector('.app[data-blank=true] .blank-screen');
  const colour = await page.$eval('.blank-screen', (e) => getComputedStyle(e).backgroundColor);
  assert.equal(colour, 'rgb(0, 0, 0)', 'black, as slide software blanks');
  await page.keyboard.press('n');
  await page.waitForSelector('.app[data-blank=false]');
  assert.equal(await timeUs(page), t0, 'the key that unblanked did not also step');
  // The same in the tour: the key that unblanks does not continue.
  await page.keyboard.press('g');
  await page.waitForSelector('.tour');
  const step = await page.getAttribute('.tour', 'data-index');
  await page.keyboard.press('B');
  await page.waitForSelector('.app[data-blank=true]');
  await page.keyboard.press('PageDown');
  await page.waitForSelector('.app[data-blank=false]');
  assert.equal(await page.getAttribute('.tour', 'data-index'), step);
  // A click brings it back too.
  await page.keyboard.press('b');
  await page.click('.blank-screen');
  await page.waitForSelector('.app[data-blank=false]');
  assertNoProblems(problems);
  await page.context().close();
});

test('the full-screen button and key never raise a page error', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=3');
  await page.click('button[data-action=fullscreen]');
  // Either the browser went full screen or the page says it was refused.
  await page.waitForFunction(() => document.fullscreenElement !== null || document.querySelector('.notice.error'));
  await page.keyboard.press('f');
  await page.waitForFunction(() => document.fullscreenElement === null);
  // Refused outright: the API throws or its promise rejects; a notice, not an error.
  await page.evaluate(() => {
    Element.prototype.requestFullscreen = () => Promise.reject(new TypeError('not allowed'));
  });
  await page.click('button[data-action=fullscreen]');
  await page.waitForSelector('.notice.error');
  assertNoProblems(problems);
  await page.context().close();
});

test('at 1280×720 the large text size reads from the back row, remembered, nothing clipped', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=3#election/votes', { width: 1280, height: 720 });
  await page.selectOption('select[data-control=text-size]', '1');
  await page.waitForSelector('.app[data-text-size=large]');
  await page.waitForSelector('.tour[data-status=done]', { timeout: LONG });
  const sizes = await page.evaluate(() => {
    const px = (el) => parseFloat(getComputedStyle(el).fontSize) * (el.getScreenCTM ? el.getScreenCTM().a : 1);
    const min = (sel) => Math.min(...[...document.querySelectorAll(sel)].map(px));
    return {
      narration: min('.tour .narration p'),
      name: min('svg.cluster g.node text.name'),
      detail: min('svg.cluster g.node text.detail'),
      word: min('svg.cluster g.node text.role-below'),
    };
  });
  assert.ok(sizes.narration >= 24, `narration ${sizes.narration} px`);
  // The server's name, its role (spelled out under it at this size) and its term and vote line.
  for (const k of ['name', 'detail', 'word']) assert.ok(sizes[k] >= 14, `${k} label ${sizes[k]} px`);
  console.log(`# at 1280×720, large text: narration ${sizes.narration.toFixed(1)} px, name ${sizes.name.toFixed(1)}, detail ${sizes.detail.toFixed(1)}, role word ${sizes.word.toFixed(1)}`);
  // The buttons under the narration are whole and inside the tour's panel.
  const inside = await page.evaluate(() => {
    const panel = document.querySelector('.tour').getBoundingClientRect();
    return [...document.querySelectorAll('.tour-buttons button')].every((b) => {
      const r = b.getBoundingClientRect();
      return r.top >= panel.top && r.bottom <= panel.bottom && r.left >= panel.left && r.right <= panel.right && r.bottom <= innerHeight;
    });
  });
  assert.ok(inside, 'Back and Continue are not clipped');
  await page.reload();
  await page.waitForSelector('.app[data-text-size=large] .tour');
  await screenshot(page, 'projector-large-text-tour-1280');
  assertNoProblems(problems);
  await page.context().close();
});

/** Every step of the lesson, as the tour names it in its address: 'chapter/step'. */
function lessonSteps() {
  const lesson = JSON.parse(readFileSync(join(ROOT, 'raftsim', 'lessons', 'raft.json'), 'utf8'));
  return lesson.chapters.flatMap((c) => c.steps.map((s) => `${c.id}/${s.id}`));
}

/** In the page: how the tour's reading part stands — whether it scrolls, whether its end fades out
 * (the cue that there is more), and whether Continue is whole inside the tour's panel. */
async function measureTourBody() {
  // The fade follows the scroll position from the next frame on.
  await new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok)));
  const body = document.querySelector('.tour .tour-body');
  const panel = document.querySelector('.tour').getBoundingClientRect();
  const next = document.querySelector('.tour-buttons button[data-action=tour-next]').getBoundingClientRect();
  return {
    over: body.scrollHeight - body.clientHeight,
    fade: parseFloat(getComputedStyle(body).getPropertyValue('--tour-more')) || 0,
    continueInside: next.top >= panel.top && next.bottom <= panel.bottom && next.bottom <= innerHeight
      && next.left >= panel.left && next.right <= panel.right,
  };
}

test('at 1280×720 every step of the tour fits its panel at large text; at largest, what scrolls says so', async () => {
  const steps = lessonSteps();
  assert.ok(steps.length >= 40, `the lesson's steps were found (${steps.length})`);
  const { page, problems } = await openApp(env.browser, env.server, '?seed=3', { width: 1280, height: 720 });
  // While a step plays (at the tour's own slow speed), its four buttons (Back, Replay, Pause,
  // Continue) share one line.
  await page.selectOption('select[data-control=text-size]', '2');
  await page.waitForSelector('.app[data-text-size=largest]');
  await page.evaluate(() => { location.hash = 'election/votes'; });
  await page.waitForSelector('.tour[data-step="election/votes"][data-status=playing]', { timeout: LONG });
  const rows = await page.$$eval('.tour-buttons button', (bs) => new Set(bs.map((b) => Math.round(b.getBoundingClientRect().top))).size);
  assert.equal(rows, 1, 'the tour\'s buttons are on one line while a step plays');
  await setSpeed(page, '10×');
  for (const [size, name] of [['1', 'large'], ['2', 'largest']]) {
    await page.selectOption('select[data-control=text-size]', size);
    await page.waitForSelector(`.app[data-text-size=${name}]`);
    const scrolling = [];
    for (const step of steps) {
      await page.evaluate((s) => { location.hash = s; }, step);
      await page.waitForSelector(`.tour[data-step="${step}"]`, { timeout: LONG });
      // As the step starts (playing, with its Pause button) and once it is done or asks.
      const first = await page.evaluate(measureTourBody);
      await page.waitForSelector(`.tour[data-step="${step}"]:is([data-status=done], [data-status=asking])`, { timeout: LONG });
      const then = await page.evaluate(measureTourBody);
      for (const m of [first, then]) {
        assert.ok(m.continueInside, `${name} text, ${step}: Continue is whole inside the tour's panel`);
        if (m.over > 2) assert.ok(m.fade > 0, `${name} text, ${step}: the reading part scrolls and its end fades out`);
        else assert.equal(m.fade, 0, `${name} text, ${step}: all of it shows, and nothing fades out`);
      }
      if (Math.max(first.over, then.over) > 2) scrolling.push(step);
    }
    console.log(`# at 1280×720, ${name} text: ${scrolling.length} of ${steps.length} steps scroll ${scrolling.join(' ')}`);
    if (name === 'large') assert.deepEqual(scrolling, [], 'no step of the tour scrolls at large text');
    // At the end of what scrolls, the fade is gone.
    if (scrolling.length) {
      await page.evaluate((s) => { location.hash = s; }, scrolling[0]);
      await page.waitForSelector(`.tour[data-step="${scrolling[0]}"]:is([data-status=done], [data-status=asking])`, { timeout: LONG });
      await page.$eval('.tour .tour-body', (b) => { b.scrollTop = b.scrollHeight; });
      await page.waitForFunction(() => getComputedStyle(document.querySelector('.tour .tour-body')).getPropertyValue('--tour-more') === '0px');
      await screenshot(page, `projector-${name}-text-scrolled-end-1280`);
    }
  }
  assertNoProblems(problems);
  await page.context().close();
});

test('with reduced motion nothing pulses', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=3#election/votes', { context: { reducedMotion: 'reduce' } });
  await page.waitForSelector('.tour[data-status=done]', { timeout: LONG });
  await page.waitForSelector('.node.highlighted, .highlighted');
  for (const t of ['dark', 'light']) {
    await setTheme(page, t);
    const running = await page.evaluate(() => document.getAnimations().map((a) => a.animationName ?? 'animation'));
    assert.deepEqual(running, [], `${t}: no CSS animations`);
  }
  assertNoProblems(problems);
  await page.context().close();
});

test('screenshots of both themes at 1920×1080 and 1280×720', async () => {
  for (const [width, height] of [[1920, 1080], [1280, 720]]) {
    for (const t of ['dark', 'light']) {
      const tour = await openApp(env.browser, env.server, '?seed=3#election/votes', { width, height });
      await setTheme(tour.page, t);
      await tour.page.waitForSelector('.tour[data-status=done]', { timeout: LONG });
      await screenshot(tour.page, `projector-${t}-tour-${width}`);
      assertNoProblems(tour.problems);
      await tour.page.context().close();

      const free = await openApp(env.browser, env.server, '?seed=3&nodes=9', { width, height });
      await setTheme(free.page, t);
      await waitForLeader(free.page);
      await pause(free.page);
      await screenshot(free.page, `projector-${t}-free9-${width}`);
      assertNoProblems(free.problems);
      await free.page.context().close();
    }
  }
});

/** In the page: every visible text of the drawing, with its size on screen (font size times the
 * drawing's scale), its box, and the server it labels (if any); the boxes of the panels. */
function measureStage() {
  const box = (r) => ({ left: r.left, top: r.top, right: r.right, bottom: r.bottom });
  const texts = [...document.querySelectorAll('svg.cluster text')]
    .filter((t) => t.checkVisibility({ checkVisibilityCSS: true }) && t.textContent.trim())
    .map((t) => ({
      text: t.textContent.trim(),
      px: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a,
      node: t.closest('g.node')?.dataset.node ?? null,
      box: box(t.getBoundingClientRect()),
    }));
  const panels = [...document.querySelectorAll('.cluster-panel, .timeline-panel, .logs-panel, .side > *')]
    .filter((p) => p.checkVisibility())
    .map((p) => ({ name: p.className.split(' ')[0], box: box(p.getBoundingClientRect()) }));
  const layers = [...document.querySelector('svg.cluster').children].map((c) => c.getAttribute('class'));
  return { texts, panels, layers, cluster: box(document.querySelector('.cluster-panel').getBoundingClientRect()) };
}

const meets = (a, b, slack = 0.5) =>
  a.left + slack < b.right && b.left + slack < a.right && a.top + slack < b.bottom && b.top + slack < a.bottom;

for (const [size, name] of [['1', 'large'], ['2', 'largest']]) {
  test(`at 1280×720 and ${name} text every label of the drawing is 14 px or more, nothing overlaps`, async () => {
    for (const query of ['?seed=3&nodes=9', '?seed=3&nodes=5', '?seed=3#election/votes']) {
      const { page, problems } = await openApp(env.browser, env.server, query, { width: 1280, height: 720 });
      await page.selectOption('select[data-control=text-size]', size);
      await page.waitForSelector(`.app[data-text-size=${name}]`);
      if (query.includes('#')) {
        await page.waitForSelector('.tour[data-status=done]', { timeout: LONG });
      } else {
        await waitForLeader(page);
        await pauseWithMessageInFlight(page);
      }
      const what = `${query}, ${name} text`;
      const m = await page.evaluate(measureStage);
      assert.ok(m.texts.some((t) => t.node) && m.texts.some((t) => !t.node), `${what}: labels were found`);
      const small = m.texts.filter((t) => t.px < 14).map((t) => `${t.text} ${t.px.toFixed(1)} px`);
      assert.deepEqual(small, [], `${what}: labels under 14 px`);
      // No text cut off: every label lies inside the drawing's panel.
      const out = m.texts.filter((t) => !(t.box.left >= m.cluster.left && t.box.right <= m.cluster.right
        && t.box.top >= m.cluster.top && t.box.bottom <= m.cluster.bottom)).map((t) => t.text);
      assert.deepEqual(out, [], `${what}: labels outside the drawing's panel`);
      // No two servers' labels overlap.
      const labels = m.texts.filter((t) => t.node);
      for (const a of labels) {
        for (const b of labels) {
          if (a.node < b.node) assert.ok(!meets(a.box, b.box), `${what}: ${a.node} "${a.text}" overlaps ${b.node} "${b.text}"`);
        }
      }
      // Messages are drawn under the servers, so a crowd of them never covers a server's labels.
      assert.ok(m.layers.indexOf('packets') < m.layers.indexOf('nodes'), `${what}: messages under the servers`);
      // No two panels overlap.
      for (const [i, a] of m.panels.entries()) {
        for (const b of m.panels.slice(i + 1)) assert.ok(!meets(a.box, b.box, 0), `${what}: ${a.name} overlaps ${b.name}`);
      }
      const smallest = Math.min(...m.texts.map((t) => t.px));
      console.log(`# ${what}: smallest label ${smallest.toFixed(1)} px over ${m.texts.length} labels`);
      assertNoProblems(problems);
      await page.context().close();
    }
  });
}
