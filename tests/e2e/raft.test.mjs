// Raft as a student sees it, end to end in Chromium: elections, crashes, a partition with a stale
// leader whose write never commits and is rolled back, and stepping one tick at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot } from './harness.mjs';
import {
  withBrowser, openApp, setSpeed, pause, timeUs, servers, waitForLeader, clickServer, write, logOf, waitForLog,
} from './app.mjs';

const env = withBrowser();

test('servers time out, campaign and elect a leader', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=42&nodes=5');
  const names = (await servers(page)).map((s) => s.id);
  assert.deepEqual(names, ['S1', 'S2', 'S3', 'S4', 'S5']);
  assert.ok((await servers(page)).every((s) => s.role === 'follower' && s.term === 0));
  await setSpeed(page, '10×');
  const leader = await waitForLeader(page);
  assert.ok(leader.term >= 1);
  // The others follow it in the same term, and the inspector summary names it.
  await page.waitForFunction(
    (l) => [...document.querySelectorAll('svg.cluster g.node')].every((g) => g.dataset.term >= l.term),
    leader,
  );
  await page.waitForSelector(`.inspector h2[data-leader=${leader.id}]`);
  assert.deepEqual(problems, []);
});

test('crash the leader and a new leader is elected in a higher term', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=7&nodes=5');
  await setSpeed(page, '10×');
  const old = await waitForLeader(page);
  await clickServer(page, old.id);
  await page.waitForSelector(`.inspector [data-inspect=${old.id}]`);
  await page.click('.inspector button[data-action=crash]');
  await page.waitForSelector(`svg.cluster g.node[data-node=${old.id}][data-crashed=true]`);
  const others = (await servers(page)).map((s) => s.id).filter((id) => id !== old.id);
  const fresh = await waitForLeader(page, { minTerm: old.term + 1, among: others });
  assert.notEqual(fresh.id, old.id);
  assert.ok(fresh.term > old.term, `${fresh.term} > ${old.term}`);
  // The crashed one is drawn as crashed and can be restarted; it comes back as a follower.
  await page.click('.inspector button[data-action=restart]');
  await page.waitForSelector(`svg.cluster g.node[data-node=${old.id}][data-crashed=false][data-role=follower]`);
  assert.deepEqual(problems, []);
});

test('a partitioned old leader cannot commit; the majority can; healing rolls the minority back', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=11&nodes=5');
  await setSpeed(page, '10×');
  const old = await waitForLeader(page);
  const ids = (await servers(page)).map((s) => s.id);
  const buddy = ids.find((id) => id !== old.id);
  const majority = ids.filter((id) => id !== old.id && id !== buddy);

  // Put the old leader and one follower on one side of a wall.
  await pause(page);
  await page.click('button[data-action=partition]');
  await clickServer(page, old.id);
  await clickServer(page, buddy);
  await page.waitForSelector(`.drafting-note[data-draft="${[old.id, buddy].sort().join(' ')}"]`);
  await page.click('button[data-action=split]');
  await page.waitForSelector('svg.cluster .walls .wall', { state: 'attached' });
  assert.equal(await page.locator('svg.cluster .walls .wall').count(), 2);
  assert.match(await page.getAttribute('.net-state', 'data-network'), /partitioned/);

  // A write to the old leader: it goes into its log but never commits.
  await write(page, old.id, 'SET x 1');
  await page.click('button[data-action=play]');
  await waitForLog(page, old.id, (cells) => cells.some((c) => !c.committed && c.title.includes('SET x 1')));
  const stale = (await logOf(page, old.id)).find((c) => c.title.includes('SET x 1'));
  assert.equal(stale.committed, false);

  // The majority elects its own leader in a higher term, and a write to it commits there.
  const fresh = await waitForLeader(page, { minTerm: old.term + 1, among: majority });
  // Two leaders at once, in different terms: the summary points out the stale one.
  await page.waitForSelector(`.inspector [data-stale-leaders="${old.id} (term ${old.term})"]`);
  await write(page, fresh.id, 'SET x 2');
  await page.waitForSelector('.writes li[data-status=committed]', { timeout: 20000 });
  await waitForLog(page, fresh.id, (cells) => cells.some((c) => c.committed && c.title.includes('SET x 2')));
  for (const id of majority) {
    await waitForLog(page, id, (cells) => cells.some((c) => c.committed && c.title.includes('SET x 2')));
  }
  // Meanwhile the old leader's entry is still there and still uncommitted.
  await pause(page);
  const still = (await logOf(page, old.id)).find((c) => c.index === stale.index);
  assert.ok(still && still.title.includes('SET x 1') && !still.committed, JSON.stringify(still));
  await screenshot(page, 'partition-1920x1080');

  // Heal: the old leader steps down and its uncommitted entry is replaced by the committed one.
  await page.click('button[data-action=heal]');
  await page.click('button[data-action=play]');
  await waitForLog(page, old.id, (cells, i) => cells.some((c) => c.index === i && c.committed && c.title.includes('SET x 2')), stale.index);
  await page.waitForSelector(`svg.cluster g.node[data-node=${old.id}][data-role=follower]`);
  // The client heard nothing about SET x 1 and sent it again (§8): it commits under the new
  // leader, at a later index, and the old leader ends with the same store as everyone.
  await page.waitForSelector('.writes li[data-write="1"][data-status=committed]', { timeout: 20000 });
  const copies = (await logOf(page, fresh.id)).filter((c) => c.title.includes('SET x 1'));
  assert.ok(copies.length === 1 && copies[0].index > stale.index, JSON.stringify(copies));
  await page.waitForFunction(
    ({ a, b }) => {
      const kv = (id) => document.querySelector(`table.logs tr[data-node=${id}] td.kv`)?.dataset.kv;
      return kv(a) !== undefined && kv(a) === kv(b);
    },
    { a: old.id, b: fresh.id },
  );
  assert.equal(await page.locator('svg.cluster .walls .wall').count(), 0);
  assert.equal(await page.getAttribute('.safety', 'data-violations'), '0');
  assert.deepEqual(problems, []);
});

test('stepping one tick advances simulated time by exactly one tick', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=3&nodes=5');
  await page.keyboard.press('Space');
  await page.waitForSelector('.app[data-playing=false]');
  const t0 = await timeUs(page);
  await page.click('button[data-action=step-tick]');
  await page.waitForFunction((t) => Number(document.querySelector('.clock').dataset.timeUs) !== t, t0);
  assert.equal(await timeUs(page), t0 + 10000, 'the default tick is 10 ms');

  // A shorter tick, stepped by keyboard.
  await page.selectOption('select[data-control=tick]', { label: '1 ms' });
  await page.keyboard.press('.');
  await page.waitForFunction((t) => Number(document.querySelector('.clock').dataset.timeUs) === t, t0 + 11000);
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction((t) => Number(document.querySelector('.clock').dataset.timeUs) === t, t0 + 12000);
  assert.match(await page.textContent('button[data-action=step-tick]'), /1 ms/);
  assert.equal(await page.getAttribute('.app', 'data-playing'), 'false', 'stepping leaves it paused');

  // Next event: the clock jumps to whatever is scheduled next and the event log grows.
  const before = Number(await page.getAttribute('ol.events', 'data-count'));
  const t1 = await timeUs(page);
  await page.click('button[data-action=step-event]');
  await page.waitForFunction((n) => Number(document.querySelector('ol.events').dataset.count) > n, before);
  assert.ok((await timeUs(page)) >= t1);
  assert.deepEqual(problems, []);
});

test('an election, one event at a time', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=5&nodes=3');
  await pause(page);
  // Step event by event until someone is a candidate, then until there is a leader.
  for (let i = 0; i < 200 && (await servers(page)).every((s) => s.role !== 'candidate'); i++) {
    await page.keyboard.press('n');
  }
  const candidate = (await servers(page)).find((s) => s.role === 'candidate');
  assert.ok(candidate, 'someone campaigned');
  assert.equal(candidate.votedFor, candidate.id, 'a candidate votes for itself');
  await page.waitForSelector(`svg.cluster g.node[data-node=${candidate.id}] .pips`);
  for (let i = 0; i < 200 && (await servers(page)).every((s) => s.role !== 'leader'); i++) {
    await page.keyboard.press('n');
  }
  assert.ok((await servers(page)).some((s) => s.role === 'leader'), 'someone won');
  assert.deepEqual(problems, []);
});
