// Runs in and out of the page: Save gives a file the raftsim command replays to the same world,
// Copy link gives an address that opens the same world at the same instant, every preset opens
// and plays, and bad files are explained while the run on screen stays as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, screenshot } from './harness.mjs';
import {
  withBrowser, openApp, setSpeed, pause, play, timeUs, servers, waitForLeader, clickServer, write, LONG,
} from './app.mjs';

const env = withBrowser();

/** Each server as the page shows it: role, term, crashed, log length, commit index, state. */
async function world(page) {
  const drawn = await servers(page);
  const rows = await page.$$eval('table.logs tr[data-node]', (trs) =>
    Object.fromEntries(trs.map((tr) => [tr.dataset.node, {
      last: Number(tr.dataset.lastIndex),
      commit: Number(tr.dataset.commitIndex),
      kv: tr.querySelector('td.kv').dataset.kv,
    }])),
  );
  return drawn.map((s) => ({ id: s.id, role: s.role, term: s.term, crashed: s.crashed, ...rows[s.id] }));
}

/** The `raftsim run` outcome of a scenario file, as the page would show its servers. */
function cliWorld(file) {
  const out = execFileSync('cargo', ['run', '-q', '--locked', '-p', 'raftsim', '--bin', 'raftsim', '--', 'run', '--no-events', file], {
    cwd: ROOT,
  });
  const outcome = JSON.parse(out.toString());
  return outcome.nodes.map((n) => ({
    id: n.id,
    role: n.crashed ? n.role : n.role,
    term: n.term,
    crashed: n.crashed,
    last: n.log.length,
    commit: n.commit_index,
    kv: Object.keys(n.state).length === 0 ? '—' : Object.entries(n.state).map(([k, v]) => `${k} = ${v}`).join(', '),
  }));
}

/** A run with a crash, a write, a partition and a heal, paused. */
async function busyRun(page) {
  await setSpeed(page, '5×');
  const leader = await waitForLeader(page);
  await write(page, leader.id, 'SET x 5');
  await page.waitForSelector('.writes li[data-status=committed]', { timeout: LONG });
  await pause(page);
  await clickServer(page, leader.id);
  await page.click('.inspector button[data-action=crash]');
  await play(page);
  const next = await waitForLeader(page, { minTerm: leader.term + 1 });
  await write(page, next.id, 'ADD x 2');
  await page.waitForSelector('.writes li[data-write="2"][data-status=committed]', { timeout: LONG });
  await pause(page);
  return { leader, next };
}

test('Save downloads a scenario file that the raftsim command replays to the same world', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=17&nodes=5');
  await busyRun(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('button[data-action=save]')]);
  assert.match(download.suggestedFilename(), /^raft-run-seed17\.json$/);
  const dir = await mkdtemp(join(tmpdir(), 'raft-save-'));
  const file = join(dir, download.suggestedFilename());
  await download.saveAs(file);
  assert.deepEqual(cliWorld(file), await world(page), 'the command ends where the page is');
  await page.waitForSelector('.notice.info');
  assert.deepEqual(problems, []);
});

test('Copy link opens the same world at the same instant, paused', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=23&nodes=5');
  await busyRun(page);
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  const at = await timeUs(page);
  const shown = await world(page);
  const end = await page.getAttribute('[data-timeline]', 'data-run-end-us');
  await page.click('button[data-action=copy-link]');
  await page.waitForFunction(() => location.search.startsWith('?run='));
  const url = page.url();
  const other = await openApp(env.browser, env.server, url.slice(env.server.url.length));
  await other.page.waitForSelector('.app[data-playing=false]');
  assert.equal(await timeUs(other.page), at);
  assert.deepEqual(await world(other.page), shown);
  assert.equal(await other.page.getAttribute('[data-timeline]', 'data-run-end-us'), end, 'the whole run came along');
  // A damaged link is explained, and a fresh cluster is shown instead.
  const broken = await openApp(env.browser, env.server, url.slice(env.server.url.length, -20).replace('?run=v1.', '?run=v1.x'));
  const notice = await broken.page.textContent('.notice.error');
  assert.match(notice, /link/);
  assert.deepEqual([...problems, ...other.problems, ...broken.problems], []);
});

test('every preset opens and plays without a page error', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=1&nodes=5', { width: 1280, height: 720 });
  const names = await page.$$eval('select[data-control=preset] option', (os) => os.map((o) => o.value).filter(Boolean));
  assert.ok(names.includes('figure8') && names.includes('figure7-a') && names.length === 19, names.join());
  assert.ok(names.includes('broken-commit-old-term') && names.includes('pre-vote'), names.join());
  for (const name of names) {
    await page.selectOption('select[data-control=preset]', name);
    await page.waitForFunction(() => document.querySelector('.clock').dataset.timeUs === '0');
    await page.waitForSelector('.notice.info');
    const end = Number(await page.getAttribute('[data-timeline]', 'data-run-end-us'));
    assert.ok(end > 0, `${name} runs for a while`);
    await setSpeed(page, '10×');
    // Opened paused: one click plays it. A preset that breaks a rule may pause again at once,
    // where the checker finds the damage, so no wait for the page to show it playing.
    await page.click('button[data-action=play]');
    // It plays on, or stops where the checker finds a rule broken on purpose did damage.
    await page.waitForFunction(
      () => Number(document.querySelector('.clock').dataset.timeUs) > 50000
        || document.querySelector('.app').dataset.playing === 'false',
    );
    if (name.startsWith('broken-')) {
      await page.keyboard.press('End');
      await page.waitForSelector('.safety.broken');
      continue;
    }
    await pause(page);
    const latest = Number(await page.getAttribute('[data-timeline]', 'data-run-end-us'));
    assert.ok(latest >= end, 'playing on from the start keeps the whole story');
    await page.keyboard.press('Home');
    await page.keyboard.press('End');
    await page.waitForFunction((t) => Number(document.querySelector('.clock').dataset.timeUs) === t, latest);
    if (name === 'figure8') await screenshot(page, 'preset-figure8-1280');
  }
  assert.deepEqual(problems, []);
});

test('a bad file is explained by its path and the run on screen stays; a good one opens by drop', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=3&nodes=5');
  await setSpeed(page, '5×');
  await waitForLeader(page);
  await pause(page);
  const before = await world(page);
  const at = await timeUs(page);
  const dir = await mkdtemp(join(tmpdir(), 'raft-open-'));
  const cases = [
    ['typo.json', '{"nodes": 3, "script": [{"at_ms": 10, "do": "crash", "node": "S7"}]}', 'script[0].node'],
    ['notjson.json', 'this is not JSON', 'line 1'],
    ['field.json', '{"nodez": 3}', 'did you mean'],
  ];
  for (const [name, text, says] of cases) {
    const file = join(dir, name);
    await writeFile(file, text);
    await page.setInputFiles('input[type=file]', file);
    const notice = await page.waitForSelector('.notice.error');
    const words = await notice.textContent();
    assert.ok(words.includes(says) && words.includes(name), words);
    assert.deepEqual(await world(page), before, 'the run on screen is untouched');
    assert.equal(await timeUs(page), at);
    await page.click('.notice button.close');
  }
  // A file far too large for a scenario is refused before it is read.
  const huge = join(dir, 'huge.json');
  await writeFile(huge, `{"description": "${'x'.repeat(6_000_000)}"}`);
  await page.setInputFiles('input[type=file]', huge);
  const big = await (await page.waitForSelector('.notice.error')).textContent();
  assert.ok(big.includes('huge.json') && big.includes('MB'), big);
  assert.deepEqual(await world(page), before, 'the run on screen is untouched');
  await page.click('.notice button.close');
  // A good file, dropped onto the page.
  const good = '{"description": "Three servers; S2 times out first.", "nodes": 3, "script": [{"at_ms": 5, "do": "timeout", "node": "S2"}], "run_ms": 400}';
  await page.evaluate((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'dropped.json', { type: 'application/json' }));
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, good);
  await page.waitForFunction(() => document.querySelectorAll('svg.cluster g.node').length === 3);
  const notice = await page.textContent('.notice.info');
  assert.ok(notice.includes('dropped.json') && notice.includes('S2 times out first'), notice);
  await page.keyboard.press('End');
  await page.waitForSelector('svg.cluster g.node[data-node=S2][data-role=leader]', { timeout: LONG });
  assert.deepEqual(problems, []);
});
