// Measures, in the page, the contrast of every visible text against what is actually behind it:
// for HTML text, its colour (with its alpha and every ancestor's opacity) against the backgrounds
// of its ancestors composited from the first opaque one up (a gradient counts by each of its
// colours, the worst one kept); for SVG text, its fill against its own halo if it has one
// (paint-order: stroke), else against the shapes painted under its middle, else the panel
// behind the drawing. Texts under an open modal layer (the help) are covered and left out. Disabled controls are left out (WCAG exempts inactive controls), as is
// text hidden by an ancestor's overflow. Returns [{ ratio, text, where }], lowest first.
export function measureContrast() {
  const parseColour = (c) => {
    const m = /rgba?\(([^)]+)\)/.exec(c);
    if (!m) return null;
    const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return { rgb: p.slice(0, 3), a: p.length > 3 ? p[3] : 1 };
  };
  const lin = (v) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const lum = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  const ratio = (x, y) => {
    const [hi, lo] = [lum(x), lum(y)].sort((p, q) => q - p);
    return (hi + 0.05) / (lo + 0.05);
  };
  const over = (top, a, under) => top.map((v, i) => v * a + under[i] * (1 - a));
  const gradientColours = (img) => (img && img !== 'none' ? [...img.matchAll(/rgba?\([^)]+\)/g)].map((m) => parseColour(m[0])) : []);

  /** The possible colours behind `el` (its own background included), from its ancestors. */
  function backgroundsOf(el) {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      layers.push({ colour: parseColour(cs.backgroundColor), gradient: gradientColours(cs.backgroundImage) });
      const c = parseColour(cs.backgroundColor);
      if (c && c.a >= 0.999) break;
    }
    let bases = [[255, 255, 255]];
    for (const layer of layers.reverse()) {
      if (layer.colour && layer.colour.a > 0) bases = bases.map((b) => over(layer.colour.rgb, layer.colour.a, b));
      if (layer.gradient.length) {
        bases = bases.flatMap((b) => [b, ...layer.gradient.filter((g) => g && g.a > 0).map((g) => over(g.rgb, g.a, b))]);
      }
    }
    return bases;
  }

  function opacityOf(el) {
    let o = 1;
    for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
    return o;
  }

  function clippedAway(el, rect) {
    let r = { l: rect.left, t: rect.top, r: rect.right, b: rect.bottom };
    r = { l: Math.max(r.l, 0), t: Math.max(r.t, 0), r: Math.min(r.r, innerWidth), b: Math.min(r.b, innerHeight) };
    for (let e = el.parentElement; e && r.r > r.l && r.b > r.t; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.overflow !== 'visible' && !(e instanceof SVGElement && e.tagName !== 'svg')) {
        const q = e.getBoundingClientRect();
        r = { l: Math.max(r.l, q.left), t: Math.max(r.t, q.top), r: Math.min(r.r, q.right), b: Math.min(r.b, q.bottom) };
      }
    }
    return !(r.r - r.l > 1 && r.b - r.t > 1);
  }

  const where = (el) => {
    const parts = [];
    for (let e = el; e && parts.length < 4 && e !== document.body; e = e.parentElement) {
      parts.unshift(e.tagName.toLowerCase() + (e.classList.length ? '.' + [...e.classList].join('.') : ''));
    }
    return parts.join(' > ');
  };

  const results = [];
  const candidates = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.textContent.trim()) candidates.add(n.parentElement);
  }
  document.querySelectorAll('select').forEach((s) => candidates.add(s));
  // A modal layer (the help) covers the page: only its own texts are seen.
  const modal = document.querySelector('.overlay, .blank-screen');
  for (const el of candidates) {
    if (modal && !modal.contains(el)) continue;
    if (!el || el.closest('option, .sr-only, script, style, noscript, title')) continue;
    if (el.closest('button:disabled, select:disabled, input:disabled, fieldset:disabled')) continue;
    if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width < 1 || rect.height < 1 || clippedAway(el, rect)) continue;
    const cs = getComputedStyle(el);
    const text = (el.tagName === 'SELECT' ? el.selectedOptions[0]?.textContent : el.textContent)?.trim().slice(0, 40);
    let worst = Infinity;
    if (el instanceof SVGElement) {
      const textEl = el.closest('text') ?? el;
      const fill = parseColour(getComputedStyle(el).fill);
      if (!fill) continue;
      const ts = getComputedStyle(textEl);
      const halo = parseColour(ts.stroke);
      let bgs;
      if (halo && halo.a > 0.99 && ts.paintOrder.startsWith('stroke') && parseFloat(ts.strokeWidth) >= 3) {
        bgs = [halo.rgb];
      } else {
        const cx = rect.left + rect.width / 2;
        const cy = rect.top + rect.height / 2;
        const under = [];
        for (const e of document.elementsFromPoint(cx, cy)) {
          if (e === el || e === textEl || e.contains(el)) {
            if (e.tagName === 'svg') break;
            continue;
          }
          if (!(e instanceof SVGElement) || e.tagName === 'svg') break;
          if (e.tagName === 'text' || e.tagName === 'tspan' || e.tagName === 'g') continue;
          const f = parseColour(getComputedStyle(e).fill);
          if (!f || f.a === 0 || getComputedStyle(e).fill === 'none') continue;
          under.push({ rgb: f.rgb, a: f.a * Number(getComputedStyle(e).fillOpacity) * opacityOf(e) });
          if (under[under.length - 1].a >= 0.999) break;
        }
        const svg = el.ownerSVGElement ?? el.closest('svg');
        bgs = backgroundsOf(svg.parentElement);
        for (const layer of under.reverse()) bgs = bgs.map((b) => over(layer.rgb, layer.a, b));
      }
      const a = fill.a * Number(getComputedStyle(el).fillOpacity) * opacityOf(el);
      for (const bg of bgs) worst = Math.min(worst, ratio(over(fill.rgb, a, bg), bg));
    } else {
      const colour = parseColour(cs.color);
      if (!colour) continue;
      const a = colour.a * opacityOf(el);
      for (const bg of backgroundsOf(el)) worst = Math.min(worst, ratio(over(colour.rgb, a, bg), bg));
    }
    results.push({ ratio: Math.round(worst * 100) / 100, text, where: where(el) });
  }
  return results.sort((x, y) => x.ratio - y.ratio);
}
