// The colours of roles and messages stay apart for the common colour-vision deficiencies. The
// palette is read from static/style.css (both themes) and simulated for protanopia,
// deuteranopia and tritanopia; every pair of role fills must differ by a CIEDE2000 of 10 or
// more (plainly different side by side). Colour is never the only cue: roles have shapes and
// words, messages their labels, commit states solid versus dashed cells; this test keeps the
// colours themselves from collapsing. No browser needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from './harness.mjs';
import { parse, simulate, deltaE, contrast, VISIONS } from './colour.mjs';

const MIN_DELTA_E = 10;

/** The variables of both themes: { dark: { name: '#…' }, light: { … } }, light inheriting dark. */
async function themes() {
  const css = await readFile(join(ROOT, 'static', 'style.css'), 'utf8');
  const block = (selector) => {
    const start = css.indexOf(`${selector} {`);
    assert.ok(start >= 0, `${selector} in style.css`);
    const body = css.slice(start, css.indexOf('\n}', start));
    return Object.fromEntries([...body.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{3,6})\s*;/g)].map((m) => [m[1], m[2]]));
  };
  const dark = block(':root, [data-theme=dark]');
  return { dark, light: { ...dark, ...block('[data-theme=light]') } };
}

function pairs(colours) {
  const names = Object.keys(colours);
  return names.flatMap((a, i) => names.slice(i + 1).map((b) => [a, b]));
}

test('role colours stay apart under every colour-vision deficiency, in both themes', async () => {
  for (const [theme, vars] of Object.entries(await themes())) {
    const roles = { follower: vars.follower, candidate: vars.candidate, leader: vars.leader, crashed: vars.crashed };
    for (const vision of VISIONS) {
      const seen = Object.fromEntries(Object.entries(roles).map(([k, v]) => [k, simulate(parse(v), vision)]));
      const diffs = pairs(seen).map(([a, b]) => ({ pair: `${a}/${b}`, dE: deltaE(seen[a], seen[b]) }));
      const worst = diffs.reduce((x, y) => (y.dE < x.dE ? y : x));
      console.log(`# ${theme}, ${vision}: closest roles ${worst.pair} ΔE2000 ${worst.dE.toFixed(1)}`);
      for (const d of diffs) assert.ok(d.dE >= MIN_DELTA_E, `${theme}, ${vision}: ${d.pair} ΔE ${d.dE.toFixed(1)}`);
    }
  }
});

test('message colours that share no label stay apart, and the dark text on every fill reads', async () => {
  for (const [theme, vars] of Object.entries(await themes())) {
    // RequestVote (candidate), a granted vote or AppendEntries (leader), a refusal (bad-soft) and
    // a client request: the kinds a class tells apart at a glance.
    const kinds = { rv: vars.candidate, ok: vars.leader, refused: vars['bad-soft'], client: vars.client };
    for (const vision of VISIONS) {
      const seen = Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k, simulate(parse(v), vision)]));
      for (const [a, b] of pairs(seen)) {
        const dE = deltaE(seen[a], seen[b]);
        // Refusals carry a ✗ and requests their command; colour only has to be plainly apart (8).
        assert.ok(dE >= 8, `${theme}, ${vision}: ${a}/${b} ΔE ${dE.toFixed(1)}`);
      }
    }
    const fills = ['follower', 'candidate', 'leader', 'bad-soft', 'client', 'crep', 'credir', 'heartbeat',
      't0', 't1', 't2', 't3', 't4', 't5', 't6', 't7'];
    for (const f of fills) {
      const c = contrast(parse(vars.dark), parse(vars[f]));
      assert.ok(c >= 7, `${theme}: dark text on --${f} ${c.toFixed(2)}:1`);
    }
  }
});
