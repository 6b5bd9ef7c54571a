// The page as a tool: keyboard, help, messages that can be read and dropped, links that can be
// cut, bad input that is explained, a paused page that runs nothing, and screenshots to review.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, screenshot } from './harness.mjs';
import {
  withBrowser, openApp, setSpeed, pause, play, timeUs, servers, waitForLeader, clickServer, write, LONG,
  pauseWithMessageInFlight, clickMessage,
} from './app.mjs';

const env = withBrowser();

test('everything by keyboard: select, crash, restart, time out, help', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=21&nodes=5');
  await page.keyboard.press('?');
  await page.waitForSelector('.help[role=dialog]');
  assert.ok((await page.locator('.help kbd').count()) >= 15, 'the help lists the keys');
  await page.keyboard.press('Escape');
  await page.waitForSelector('.help', { state: 'detached' });

  await page.keyboard.press('3');
  await page.waitForSelector('.inspector [data-inspect=S3]');
  await page.waitForSelector('svg.cluster g.node[data-node=S3].selected');
  await page.keyboard.press('c');
  await page.waitForSelector('svg.cluster g.node[data-node=S3][data-crashed=true]');
  await page.keyboard.press('c');
  await page.waitForSelector('svg.cluster g.node[data-node=S3][data-crashed=false]');
  // T: the selected follower times out at once and campaigns in a new term.
  await pause(page);
  const term = (await servers(page)).find((s) => s.id === 'S3').term;
  await page.keyboard.press('t');
  await page.waitForSelector(`svg.cluster g.node[data-node=S3][data-role=candidate][data-term="${term + 1}"]`);
  // Space plays and pauses; + and - change speed.
  await page.keyboard.press('Space');
  await page.waitForSelector('.app[data-playing=true]');
  const speed = await page.$eval('select[data-control=speed]', (s) => s.selectedIndex);
  await page.keyboard.press('+');
  await page.waitForFunction((i) => document.querySelector('select[data-control=speed]').selectedIndex === i + 1, speed);
  await page.keyboard.press('Space');
  await page.waitForSelector('.app[data-playing=false]');
  // M selects a message in flight, D drops it.
  await pauseWithMessageInFlight(page);
  await page.keyboard.press('m');
  const picked = await page.waitForSelector('.inspector [data-inspect-packet]');
  const id = await picked.getAttribute('data-inspect-packet');
  await page.waitForSelector('.app[data-playing=false]');
  await page.waitForSelector(`svg.cluster g.packet.selected[data-packet="${id}"]`);
  await page.keyboard.press('d');
  await page.waitForSelector(`svg.cluster g.packet[data-packet="${id}"]`, { state: 'detached' });
  // W puts the cursor in the client box; keys typed there are text, not shortcuts.
  await page.keyboard.press('w');
  await page.keyboard.type('SET c 3');
  assert.equal(await page.inputValue('#client-command'), 'SET c 3');
  assert.equal(await page.getAttribute('.app', 'data-playing'), 'false', 'typing a space did not play');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.writes li[data-write="1"]');
  assert.deepEqual(problems, []);
});

test('a message in flight can be clicked, read and dropped', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=8&nodes=5');
  await setSpeed(page, '10×');
  await waitForLeader(page);
  await pauseWithMessageInFlight(page);
  const id = await clickMessage(page);
  await page.waitForSelector(`.inspector [data-inspect-packet="${id}"]`);
  const fields = await page.textContent('.inspector .fig2');
  assert.match(fields, /term/);
  assert.match(fields, /prevLogIndex|lastLogIndex|success|voteGranted|command|answer/);
  await page.click('.inspector button[data-action=drop]');
  await page.waitForSelector(`svg.cluster g.packet[data-packet="${id}"]`, { state: 'detached' });
  // The event log says it was dropped by hand, with the packet's number.
  await page.waitForFunction(
    (id) => [...document.querySelectorAll('ol.events li')].some((li) => li.textContent.includes(`Packet ${id}`) && /by hand/.test(li.textContent)),
    id,
  );
  // Routine traffic is hidden until asked for.
  const sent = () => page.$$eval('ol.events li .text', (ts) => ts.filter((t) => / sent /.test(t.textContent)).length);
  assert.equal(await sent(), 0);
  await page.check('.events-panel input[type=checkbox]');
  await page.waitForFunction(() => [...document.querySelectorAll('ol.events li .text')].some((t) => / sent /.test(t.textContent)));
  assert.deepEqual(problems, []);
});

test('a link is cut and restored by clicking it', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=2&nodes=5');
  await pause(page);
  const link = 'svg.cluster g.link[data-link="S1-S2"]';
  assert.equal(await page.getAttribute(link, 'data-state'), 'up');
  await page.click(link);
  await page.waitForSelector(`${link}[data-state=cut]`);
  await page.waitForSelector('.net-state[data-network="1 link cut"]');
  await page.click(link);
  await page.waitForSelector(`${link}[data-state=up]`);
  // The same from the selected server's panel, for keyboards and touch screens.
  await page.keyboard.press('1');
  await page.click('.inspector button[data-link-toggle=S2]');
  await page.waitForSelector(`${link}[data-state=cut]`);
  await page.waitForSelector('.inspector button[data-link-toggle=S2][aria-pressed=true]');
  await page.click('.inspector button[data-link-toggle=S2]');
  await page.waitForSelector(`${link}[data-state=up]`);
  // Heal mends cut links too.
  await page.click('svg.cluster g.link[data-link="S2-S3"]');
  await page.waitForSelector('svg.cluster g.link[data-link="S2-S3"][data-state=cut]');
  await page.keyboard.press('h');
  await page.waitForSelector('svg.cluster g.link[data-link="S2-S3"][data-state=up]');
  assert.deepEqual(problems, []);
});

test('by touch, on a tablet held upright: tap a server, crash it, cut a link', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=6&nodes=5', {
    width: 820, height: 1180, context: { hasTouch: true, isMobile: true },
  });
  await pause(page);
  await page.tap('svg.cluster g.node[data-node=S2] .body');
  await page.waitForSelector('.inspector [data-inspect=S2]');
  await page.tap('.inspector button[data-action=crash]');
  await page.waitForSelector('svg.cluster g.node[data-node=S2][data-crashed=true]');
  await page.tap('.inspector button[data-link-toggle=S3]');
  await page.waitForSelector('svg.cluster g.link[data-link="S2-S3"][data-state=cut]');
  await page.tap('svg.cluster g.link[data-link="S2-S3"]');
  await page.waitForSelector('svg.cluster g.link[data-link="S2-S3"][data-state=up]');
  const t = await timeUs(page);
  await page.tap('button[data-action=step-tick]');
  await page.waitForFunction((t) => Number(document.querySelector('.clock').dataset.timeUs) === t + 10000, t);
  await screenshot(page, 'tablet-820x1180');
  assert.deepEqual(problems, []);
});

test('bad input gets a clear message, never a blank page', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=abc&nodes=4&zoom=9');
  const notice = await page.textContent('.notice.error');
  assert.match(notice, /seed `abc`/);
  assert.match(notice, /3, 5, 7 or 9/);
  assert.match(notice, /zoom/);
  assert.equal((await servers(page)).length, 5);

  // While the clock plays, a write is handed over at the next frame: wait for its message.
  const clientError = async (pattern) => {
    await page.waitForFunction(
      (source) => new RegExp(source, 'i').test(document.querySelector('#client-error').textContent),
      pattern.source,
    );
    assert.match(await page.textContent('#client-error'), pattern);
  };
  await page.fill('#client-command', 'DEL x');
  await page.press('#client-command', 'Enter');
  await clientError(/unknown command `DEL`/i);
  await page.fill('#client-command', 'SET x');
  await page.press('#client-command', 'Enter');
  await clientError(/SET.*key and a whole number/);
  await page.fill('#client-command', 'ADD x 99999999999999999999');
  await page.press('#client-command', 'Enter');
  await clientError(/not a whole number/);

  // A seed that is not a number is refused with a reason; the run goes on.
  await page.fill('input[data-control=seed]', 'twelve');
  await page.press('input[data-control=seed]', 'Enter');
  assert.match(await page.textContent('.notice.error'), /seed `twelve`/);
  // A server action that makes no sense is explained, not done.
  await pause(page);
  await clickServer(page, 'S2');
  await page.keyboard.press('c');
  await page.waitForSelector('svg.cluster g.node[data-node=S2][data-crashed=true]');
  await write(page, 'S2', 'SET x 1');
  assert.match(await page.textContent('#client-error'), /S2 is crashed/);
  assert.deepEqual(problems, []);
});

test('the same seed gives the same run; reset and a new seed start over', async () => {
  const run = async () => {
    const { page } = await openApp(env.browser, env.server, '?seed=99&nodes=7');
    await pause(page);
    for (let i = 0; i < 40; i++) await page.keyboard.press('n');
    const state = JSON.stringify(await servers(page));
    const t = await timeUs(page);
    await page.close();
    return `${t} ${state}`;
  };
  assert.equal(await run(), await run());

  const { page, problems } = await openApp(env.browser, env.server, '?seed=99&nodes=7');
  await pause(page);
  await page.click('button[data-action=step-tick]');
  await page.click('button[data-action=reset]');
  await page.waitForFunction(() => document.querySelector('.clock').dataset.timeUs === '0');
  assert.equal(await page.getAttribute('.app', 'data-seed'), '99');
  await page.click('button[data-action=new-seed]');
  await page.waitForFunction(() => document.querySelector('.app').dataset.seed !== '99');
  assert.match(page.url(), /seed=\d+&nodes=7/, 'the address reproduces the run');
  await page.selectOption('select[data-control=nodes]', '3');
  await page.waitForFunction(() => document.querySelectorAll('svg.cluster g.node').length === 3);
  assert.deepEqual(problems, []);
});

test('a paused page runs no animation frame and no timer', async () => {
  const { page, problems } = await openPage(env.browser, `${env.server.url}?seed=4`, {
    init: () => {
      window.__calls = { raf: 0, timeout: 0, interval: 0 };
      const wrap = (name, key) => {
        const real = window[name].bind(window);
        window[name] = (...args) => {
          window.__calls[key] += 1;
          return real(...args);
        };
      };
      wrap('requestAnimationFrame', 'raf');
      wrap('setTimeout', 'timeout');
      wrap('setInterval', 'interval');
    },
  });
  await page.waitForSelector('svg.cluster g.node', { timeout: LONG });
  await page.waitForFunction(() => window.__calls.raf > 10, null, { timeout: LONG });
  await page.keyboard.press('Space');
  await page.waitForSelector('.app[data-playing=false]');
  await page.waitForTimeout(200); // let the last frame already requested run out
  const before = await page.evaluate(() => ({ ...window.__calls }));
  const t = await timeUs(page);
  await page.waitForTimeout(1500); // nothing to wait for: this checks that nothing happens
  const afterCalls = await page.evaluate(() => ({ ...window.__calls }));
  assert.deepEqual(afterCalls, before, 'no requestAnimationFrame, setTimeout or setInterval while paused');
  assert.equal(await timeUs(page), t, 'simulated time stands still');
  await play(page);
  await page.waitForFunction((n) => window.__calls.raf > n, before.raf);
  assert.deepEqual(problems, []);
});

test('screenshots for review at 1920×1080 and 1280×720', async () => {
  for (const [width, height] of [[1920, 1080], [1280, 720]]) {
    const size = `${width}x${height}`;
    const { page, problems } = await openApp(env.browser, env.server, '?seed=42&nodes=5', { width, height });
    await setSpeed(page, '10×');
    const leader = await waitForLeader(page);
    await setSpeed(page, '1/4×');
    await write(page, leader.id, 'SET x 5');
    await page.waitForSelector('.writes li[data-status=committed]', { timeout: LONG });
    // Paused before the next writes, so their AppendEntries are surely still to come.
    await pause(page);
    await write(page, leader.id, 'ADD x 2');
    const other = (await servers(page)).find((s) => s.id !== leader.id).id;
    await write(page, other, 'SET y 7');
    await pauseWithMessageInFlight(page, 'ae');
    await clickServer(page, leader.id);
    await screenshot(page, `cluster-${size}`);
    await page.keyboard.press('?');
    await screenshot(page, `help-${size}`);
    await page.keyboard.press('Escape');

    const nine = await openApp(env.browser, env.server, '?seed=9&nodes=9', { width, height });
    await setSpeed(nine.page, '10×');
    const l9 = await waitForLeader(nine.page);
    await setSpeed(nine.page, '1/20×');
    await pause(nine.page);
    await write(nine.page, l9.id, 'SET x 1');
    await pauseWithMessageInFlight(nine.page, 'ae');
    await clickMessage(nine.page, 'ae');
    await screenshot(nine.page, `nine-servers-${size}`);
    assert.deepEqual([...problems, ...nine.problems], []);
  }
});
