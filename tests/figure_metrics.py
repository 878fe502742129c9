"""What a reader of a simulator figure gets on a given screen, measured in the browser: the
smallest rendered figure text (CSS px), whether the page scrolls sideways, and the figure
buttons that are off-screen or smaller than 24 x 24 CSS px. Shared by the browser tests and
bench/figures.py."""

MEASURE = """() => {
  const box = document.querySelector('[data-sim-svg]');
  const sizes = [...box.querySelectorAll('text')].filter(t => t.textContent.trim() && t.getBBox().width > 0)
    .map(t => parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a);
  const vw = document.documentElement.clientWidth;
  const bad = [...box.querySelectorAll('[data-param]')].map(b => b.getBoundingClientRect())
    .filter(r => r.width < 24 || r.height < 24 || r.left < 0 || r.right > vw);
  return {minFont: Math.min(...sizes), sideways: document.documentElement.scrollWidth > vw,
          badButtons: bad.length, buttons: box.querySelectorAll('[data-param]').length};
}"""


def measure(page) -> dict:
    return page.evaluate(MEASURE)
