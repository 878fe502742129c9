"""What a reader of a simulator figure gets on a given screen, measured in the browser: the
smallest rendered figure text (CSS px), whether the page scrolls sideways, and the figure
buttons that are off-screen or smaller than 24 x 24 CSS px. Shared by the browser tests and
bench/figures.py."""

MEASURE = """() => {
  const box = document.querySelector('[data-sim-svg]');
  const sizes = [...box.querySelectorAll('text')].filter(t => t.textContent.trim() && t.getBBox().width > 0)
    .map(t => parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a);
  const vw = document.documentElement.clientWidth;
  // A button must be whole inside its panel, and the panel no wider than the screen: in one
  // column the panels sit in a row that scrolls sideways, so a panel out of view is one swipe away.
  const bad = [...box.querySelectorAll('[data-param]')].filter(b => {
    const r = b.getBoundingClientRect(), p = b.closest('.sim-panel').getBoundingClientRect();
    return r.width < 24 || r.height < 24 || r.left < p.left - 1 || r.right > p.right + 1 || p.width > vw;
  });
  return {minFont: Math.min(...sizes), sideways: document.documentElement.scrollWidth > vw,
          badButtons: bad.length, buttons: box.querySelectorAll('[data-param]').length};
}"""


def measure(page) -> dict:
    return page.evaluate(MEASURE)


# Contrast of figure text (WCAG: 4.5:1) and data marks (3:1: lines, dots) with the background they
# are drawn on, as rendered in the current theme. Colours come from getComputedStyle, so the
# theme's CSS variables are resolved; a mark drawn translucent on purpose (a shade, a band) is not
# a mark whose contrast the rule speaks of, so only fully opaque ones count.
CONTRAST = """() => {
  // Any CSS colour (rgb(), color(srgb ...) from color-mix, ...) as 0-255 sRGB, painted by the browser itself.
  const canvas = new OffscreenCanvas(1, 1).getContext('2d', {willReadFrequently: true});
  const rgb = (css) => {
    if (!css || css === 'none') return null;
    canvas.clearRect(0, 0, 1, 1);
    canvas.fillStyle = css;
    canvas.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = canvas.getImageData(0, 0, 1, 1).data;
    return a === 0 ? null : [r, g, b];
  };
  const luminance = ([r, g, b]) => {
    const lin = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const ratio = (a, b) => { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const backdrop = (el) => {
    const button = el.closest('[data-param]')?.querySelector('rect'); // a figure button's label sits on its own face
    if (button) return rgb(getComputedStyle(button).fill);
    for (let e = el.closest('.sim-svg'); e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c) return c;
    }
    return [255, 255, 255];
  };
  const opaque = (el) => {
    for (let e = el; e && e.tagName !== 'svg'; e = e.parentElement) if (Number(getComputedStyle(e).opacity) < 1) return false;
    return true;
  };
  const box = document.querySelector('[data-sim-svg]');
  const found = [];
  for (const t of box.querySelectorAll('text')) {
    if (!t.textContent.trim() || t.getBBox().width === 0) continue;
    const style = getComputedStyle(t);
    if (Number(style.fillOpacity) < 1 || !opaque(t)) { found.push({kind: 'text', text: t.textContent.trim().slice(0, 30), ratio: 0, why: 'translucent'}); continue; }
    found.push({kind: 'text', text: t.textContent.trim().slice(0, 30), ratio: ratio(rgb(style.fill), backdrop(t))});
  }
  for (const m of box.querySelectorAll('polyline, circle, path[stroke-linecap="round"]')) {
    const style = getComputedStyle(m);
    const paint = m.tagName === 'circle' ? style.fill : style.stroke;
    const alpha = m.tagName === 'circle' ? Number(style.fillOpacity) : Number(style.strokeOpacity);
    if (!rgb(paint) || paint === 'none' || alpha < 1 || !opaque(m)) continue;
    found.push({kind: 'mark', text: m.tagName, ratio: ratio(rgb(paint), backdrop(m))});
  }
  return found;
}"""


def contrasts(page) -> list[dict]:
    return page.evaluate(CONTRAST)
