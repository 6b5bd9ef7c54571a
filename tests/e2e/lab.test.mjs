// The safety lab: breaking a rule replays the run with it and the checker names the damage;
// keeping it again makes the same run safe; presets carry their rules and options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot } from './harness.mjs';
import { withBrowser, openApp, timeUs } from './app.mjs';

const env = withBrowser();

test('break the Figure 8 rule: the checker names the damage and the rule; keep it: safe again', async () => {
  for (const [width, height] of [[1920, 1080], [1280, 720]]) {
    const { page, problems } = await openApp(env.browser, env.server, '?seed=1&nodes=5', { width, height });
    await page.selectOption('select[data-control=preset]', 'figure8');
    await page.waitForSelector('.notice.info');
    await page.keyboard.press('End');
    await page.waitForSelector('.safety[data-violations="0"]');
    const statuses = await page.$$eval('.safety [data-invariant]', (li) => li.map((l) => l.dataset.status));
    assert.ok(statuses.length >= 5 && statuses.every((s) => s === 'ok'), statuses.join());
    await page.click('.lab summary');
    await page.check('input[data-rule=commit_old_term_entries]');
    await page.waitForSelector('.safety [data-invariant=state_machine_safety][data-status=violated]');
    const allowed = await page.getAttribute('.safety .allowed', 'data-broken-rules');
    assert.equal(allowed, 'commit_old_term_entries');
    // The drawing and the logs mark what the violation is about: its server and its entry.
    await page.waitForSelector('svg.cluster g.node.highlighted');
    await page.waitForSelector('table.logs td.cell.highlighted[data-index="2"]');
    await page.click('.notice button.close');
    await screenshot(page, `lab-violation-${width}x${height}`);
    const at = Number(await page.getAttribute('.safety .violation', 'data-at-us'));
    await page.click('button[data-action=goto-violation]');
    await page.waitForFunction((t) => Number(document.querySelector('.clock').dataset.timeUs) === t, at);
    assert.equal(await timeUs(page), at);
    await page.uncheck('input[data-rule=commit_old_term_entries]');
    await page.waitForSelector('.safety[data-violations="0"]');
    assert.deepEqual(problems, []);
  }
});

test('a preset with an option on shows it switched on, and every option can be switched', async () => {
  const { page, problems } = await openApp(env.browser, env.server, '?seed=2&nodes=5');
  await page.selectOption('select[data-control=preset]', 'pre-vote');
  await page.waitForSelector('.notice.info');
  await page.click('.lab summary');
  assert.equal(await page.isChecked('input[data-protocol=pre_vote]'), true);
  assert.equal(await page.isChecked('input[data-protocol=check_quorum]'), false);
  for (const name of ['leader_noop', 'check_quorum']) {
    await page.check(`input[data-protocol=${name}]`);
    await page.waitForSelector(`input[data-protocol=${name}]:checked`);
  }
  assert.equal(await page.$$eval('input[data-rule]', (i) => i.length), 5);
  assert.deepEqual(problems, []);
});
