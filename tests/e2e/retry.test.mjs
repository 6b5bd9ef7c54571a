// Exactly-once writes (§8): a write whose leader crashed before committing it is sent again with
// the Retry button and answered once, with the value it should have; the copy sent again is
// recognised as a duplicate and not applied again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot } from './harness.mjs';
import { withBrowser, openApp, pause, play, waitForLeader, write, logOf, LONG } from './app.mjs';

const env = withBrowser();

test('a write sent again after its leader crashed is answered once, with the right value', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=5&nodes=3');
  const leader = await waitForLeader(page);
  await pause(page);
  await write(page, leader.id, 'ADD x 5');
  await page.waitForSelector('.writes li[data-write="1"][data-status=pending]');
  // Step event by event until a follower holds the entry, then crash the leader: no follower's
  // acknowledgement has reached it, so nothing is committed.
  const followers = ['S1', 'S2', 'S3'].filter((id) => id !== leader.id);
  for (let i = 0; i < 200; i += 1) {
    const held = await Promise.all(followers.map(async (id) => (await logOf(page, id)).length));
    if (held.some((n) => n > 0)) break;
    await page.click('button[data-action=step-event]');
  }
  const held = await Promise.all(followers.map(async (id) => (await logOf(page, id)).length));
  assert.ok(held.some((n) => n > 0), 'a follower holds the write');
  await page.selectOption('#client-target', leader.id);
  await page.click(`svg.cluster g.node[data-node=${leader.id}] .body`);
  await page.keyboard.press('c');
  await page.waitForSelector(`svg.cluster g.node[data-node=${leader.id}][data-crashed=true]`);
  assert.ok((await logOf(page, followers[0])).every((c) => !c.committed), 'not committed');

  await play(page);
  const next = await waitForLeader(page, { minTerm: leader.term + 1, among: followers });
  await pause(page);
  await page.waitForSelector('.writes li[data-write="1"][data-status=pending]');
  await page.selectOption('#client-target', next.id);
  await page.click('.writes li[data-write="1"] button[data-action=retry]');
  await play(page);
  const answered = await page.waitForSelector('.writes li[data-write="1"][data-status=committed]', { timeout: LONG });
  await pause(page);
  assert.match(await answered.textContent(), /x = 5/);
  assert.equal(await page.locator('.writes li[data-write="1"] button[data-action=retry]').count(), 0);
  // The client was answered once; a copy skipped as a duplicate shows next to the write when the
  // new leader held the entry, and in the event log.
  const events = await page.$$eval('.events li', (li) => li.map((l) => l.textContent));
  assert.equal(events.filter((t) => t.includes('The client learned write #1')).length, 1, 'answered once');
  if (held.some((n) => n > 0) && (await logOf(page, next.id)).length > 1) {
    await page.waitForSelector('.writes li[data-write="1"] [data-duplicate=true]');
    await page.waitForSelector('.events li[data-kind=duplicate]');
  }
  await page.waitForSelector('.safety [data-invariant=client_writes_applied_once][data-status=ok]');
  await screenshot(page, 'retry-answered-once');
  assert.deepEqual(problems, []);
});
