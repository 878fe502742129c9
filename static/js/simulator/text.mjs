// Small text and setting helpers the simulator's modules share (the page's and the worker's).

// "about 40 s": rounded as a person would say it, never more precise than the estimate is.
export function aboutTime(seconds) {
  if (seconds === null || seconds === undefined) return "more than a few seconds";
  if (seconds < 10) return `about ${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 90) return `about ${Math.round(seconds / 5) * 5} s`;
  return `about ${Math.round(seconds / 60)} min`;
}

// Settings compare by value: a link's "16" is the control's 16.
export function sameValue(a, b) {
  if (typeof a !== "number" && typeof b !== "number") return String(a) === String(b);
  const [x, y] = [Number(a), Number(b)];
  return x === y || Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x));
}

// Whether two settings ({params, seed}) differ in view-only controls alone (kit.contract
// VIEW_ONLY): then a warm-up of one answers the other from its caches, and the simulator's
// reframe can redraw it from the other's result.
export function differsOnlyInView(viewOnly, a, b) {
  if (!sameValue(a.seed, b.seed)) return false;
  const names = new Set([...Object.keys(a.params), ...Object.keys(b.params)]);
  return [...names].every((name) => viewOnly.includes(name) || sameValue(a.params[name], b.params[name]));
}

// τ_gen as τ<sub>gen</sub>, the pattern of simulators/kit/svg.py SUBSCRIPT (the build does the
// same to the first frame's headers); nodes, never HTML, so a header cannot inject markup.
const SUBSCRIPT = /(?<![A-Za-z])([A-Za-z\u0391-\u03a9\u03b1-\u03c9])_([a-z]+)/g;
export function withSubscripts(text) {
  const nodes = [];
  let at = 0;
  for (const match of text.matchAll(SUBSCRIPT)) {
    nodes.push(text.slice(at, match.index) + match[1], Object.assign(document.createElement("sub"), { textContent: match[2] }));
    at = match.index + match[0].length;
  }
  nodes.push(text.slice(at));
  return nodes;
}
