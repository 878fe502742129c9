"""Recompute latency per simulator: CPython run time, and in Chromium the time from a control
change to the first redraw and to the final result, with a warm runtime.

    python bench/recompute.py [--sim passk] [--changes 20]
    python bench/recompute.py --sim transductive --sweep preset=thresholds,intervals,gap_example
    python bench/recompute.py --sim thousand_layer_rl --set depth=16 --changes 2
    python bench/recompute.py --sim thousand_layer_rl --sweep "goal=0,8;6,0;3,4"
    python bench/recompute.py --every-control [--sim gated_attention] [--repeats 3]

Each change sets a new seed at the page's default settings (so every run does the full work),
or with --sweep sets one control to each listed value in turn (CPython time per value too;
separate the values with ';' when they contain commas). --set fixes other controls first.
Changes are timed inside the page with performance.now(), from the input event to the
attribute the page sets when it has drawn the result.

--every-control changes each control of each simulator once from the page's defaults (the
next option, the flipped checkbox, one step of a slider, a nearby text), as a first visit
would: before each change the page is reset to its defaults, the tab's cache and the worker's
simulator caches are emptied, and the worker's warm-up of the defaults (VIEW_ONLY controls) is
redone and awaited, as for a reader who acts a few seconds after the runtime is up. One row per control: the path the answer took (live,
precomputed, on-request), first redraw and final time p50/p95 over --repeats changes, and
for a setting that waits for Run, the page's estimate next to the time Run then took.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitegen.blas import pin_threads  # noqa: E402

pin_threads()  # before NumPy, so timings are not BLAS threads fighting over 2 cores

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.site import ARGS, CHROMIUM, live_simulator_pages, pages_by_simulator, served_site  # noqa: E402
from simulators import bridge  # noqa: E402

CHANGE = """async ([name, control, value, i]) => {
  const root = document.querySelector(`[data-sim=${name}]`);
  const input = document.querySelector(`#sim-${name}-${control}`);
  const seen = (attr) => new Promise((resolve) => {
    const check = () => root.getAttribute(attr) === String(i);
    if (check()) return resolve(performance.now());
    new MutationObserver((_, obs) => { if (check()) { obs.disconnect(); resolve(performance.now()); } })
      .observe(root, { attributes: true, attributeFilter: [attr] });
  });
  const start = performance.now();
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  const [first, done] = await Promise.all([seen("data-sim-first-frame"), seen("data-sim-done")]);
  return [first - start, done - start];
}"""


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def cpython_ms(name: str, params: dict | None = None, seeds=range(5)) -> float:
    """Median CPython run time over `seeds` (repeat one seed to time what a simulator's own
    cache makes of a re-run, as the page sees it when a sweep revisits a setting)."""
    times = []
    for seed in seeds:
        start = time.perf_counter()
        bridge.frame(name, params or {}, seed)  # through the adapter, figure included, as the page gets it
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def sweep(page, name: str, args, request: int = 0) -> None:
    control, values = args.sweep.split("=", 1)
    values = values.split(";" if ";" in values else ",")
    for value in values:
        times = []
        for _ in range(5):  # leave and come back, so every measured change really re-runs
            for v in (values[0] if value != values[0] else values[-1], value):
                request += 1
                _, done = page.evaluate(CHANGE, [name, control, v, request])
                if v == value:
                    times.append(done)
        params = {**fixed_controls(args), control: value}
        print(f"{name} {control}={value:20s} CPython {cpython_ms(name, params, [0] * 5):7.1f} ms | "
              f"browser median {statistics.median(times):.0f} ms, max {max(times):.0f} ms")


# Text controls have no "one step": a nearby value a reader might type.
TEXT_MOVES = {
    ("diffusion", "sizes"): "8, 16, 24",
    ("gated_attention", "sequence"): "A=1 B=2 C=3 ?B D=4 ?A ?C",
    ("diversity", "text"): "Time is a river.\n---\nTime is a river that flows.\n---\nTime is a thief.",
    ("diversity", "text_b"): "",
    ("transductive", "moves"): "0",
    ("thousand_layer_rl", "start"): "0,0",
    ("thousand_layer_rl", "goal"): "0,8",
}

EVERY = """async ([name, control, value]) => {
  const root = document.querySelector(`[data-sim=${name}]`);
  const sim = root.simulator;
  const settled = (id) => new Promise((resolve) => {
    const check = () => root.dataset.simDone === String(id) || (root.dataset.simRequest === String(id) && root.dataset.simStatus === "ready-to-run");
    if (check()) return resolve();
    new MutationObserver((_, obs) => { if (check()) { obs.disconnect(); resolve(); } }).observe(root, { attributes: true });
  });
  const firstSeen = (id) => new Promise((resolve) => {
    const check = () => root.dataset.simFirstFrame === String(id);
    if (check()) return resolve(performance.now());
    new MutationObserver((_, obs) => { if (check()) { obs.disconnect(); resolve(performance.now()); } }).observe(root, { attributes: true });
  });
  root.querySelector('[data-action="reset"]').click();
  await settled(sim.requestId);
  sim.forgetResults();
  if (sim.config.warmUp) {  // as after the runtime boots: the page's own settings, computed once in the background
    delete root.dataset.simWarm;
    sim.warmUp();
    await new Promise((resolve) => new MutationObserver((_, obs) => { if (root.dataset.simWarm) { obs.disconnect(); resolve(); } })
      .observe(root, { attributes: true }));
  }
  const input = sim.form.elements[control];
  const start = performance.now();
  if (input.type === "checkbox") input.checked = value === "true"; else input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  const id = sim.requestId;
  const first = firstSeen(id);
  await settled(id);
  const answered = performance.now() - start;
  const out = { first: (await first) - start, final: answered, path: root.dataset.simPath, status: root.dataset.simStatus };
  if (root.dataset.simStatus === "ready-to-run") {
    out.estimate = sim.parked.remaining;
    out.path = "on-request";
    const clicked = performance.now();
    root.querySelector('[data-action="run"]').click();
    await new Promise((resolve) => {
      const check = () => root.dataset.simDone === String(id) || root.dataset.simStatus === "error";
      new MutationObserver((_, obs) => { if (check()) { obs.disconnect(); resolve(); } }).observe(root, { attributes: true });
    });
    out.run = performance.now() - clicked;
  } else if (root.dataset.simStatus === "error") out.path = "error: " + root.querySelector("[data-sim-message]").textContent;
  return out;
}"""


def moved_value(name: str, spec: dict, default):
    """The value one reader's action away from the default."""
    if spec["kind"] == "choice":
        return spec["choices"][(spec["choices"].index(default) + 1) % len(spec["choices"])]
    if spec["kind"] == "bool":
        return "false" if default else "true"
    if spec["kind"] == "text":
        return TEXT_MOVES.get((name, spec["name"]), default + " ")
    if "values" in spec:  # a slider over listed values: its position is an index into them
        at = spec["values"].index(default)
        return str(at + 1 if at + 1 < len(spec["values"]) else at - 1)
    up = default + spec["step"]
    value = up if up <= spec["max"] else default - spec["step"]
    return str(round(value, 6))


def every_control(page, name: str, repeats: int) -> None:
    config = page.evaluate(f"document.querySelector('[data-sim={name}]').simulator.config")
    for spec in config["schema"] + [{"name": "seed", "kind": "int", "step": 1, "max": 2**32}]:
        default = config["seed"] if spec["name"] == "seed" else config["defaults"][spec["name"]]
        if page.evaluate(f"document.querySelector('[data-sim={name}]').simulator.form.elements['{spec['name']}'].disabled"):
            print(f"{name:17s} {spec['name']:16s} (has no effect at the defaults: disabled)", flush=True)
            continue
        value = moved_value(name, spec, default)
        rows = []
        for _ in range(repeats):
            rows.append(page.evaluate(EVERY, [name, spec["name"], value]))
            if rows[-1]["path"] != "live":
                break  # precomputed and on-request answers do not vary with repeats
        first = [r["first"] for r in rows]
        final = [r["final"] for r in rows]
        line = (f"{name:17s} {spec['name']:16s} {rows[0]['path']:12s} first p50 {pct(first, .5):6.0f} / p95 {pct(first, .95):6.0f} ms, "
                f"answer p50 {pct(final, .5):6.0f} / p95 {pct(final, .95):6.0f} ms")
        if "run" in rows[0]:
            estimate = rows[0]["estimate"]
            line += f" | estimate {'?' if estimate is None else f'{estimate:.1f}'} s, Run took {rows[0]['run'] / 1000:.1f} s"
        print(line, flush=True)


def fixed_controls(args) -> dict:
    return dict(item.split("=", 1) for item in args.set or [])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sim", action="append", help="simulator name (repeatable; default: every one on a page)")
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--sweep", help="control=value1,value2,...: time each value instead of new seeds")
    parser.add_argument("--set", action="append", help="control=value set before timing (repeatable)")
    parser.add_argument("--every-control", action="store_true", help="one row per control: path taken and times")
    parser.add_argument("--repeats", type=int, default=3, help="changes per control with --every-control")
    args = parser.parse_args()
    with served_site() as (site, base):
        pages = pages_by_simulator(site)
        names = args.sim or sorted(pages)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for name, page in live_simulator_pages(browser, base, pages, names):
                if args.every_control:
                    every_control(page, name, args.repeats)
                    continue
                fixed = fixed_controls(args)
                for request, (control, value) in enumerate(fixed.items(), start=1):  # the page numbers its runs
                    page.evaluate(CHANGE, [name, control, value, request])
                if args.sweep:
                    sweep(page, name, args, len(fixed))
                else:
                    first, final = [], []
                    for i in range(1, args.changes + 1):
                        a, b = page.evaluate(CHANGE, [name, "seed", 1000 + i, len(fixed) + i])
                        first.append(a)
                        final.append(b)
                    print(f"{name:14s} CPython run {cpython_ms(name, fixed_controls(args)):7.1f} ms | browser, {args.changes} changes: "
                          f"first redraw p50 {pct(first, .5):.0f} / p95 {pct(first, .95):.0f} ms, "
                          f"final p50 {pct(final, .5):.0f} / p95 {pct(final, .95):.0f} ms")
            browser.close()


if __name__ == "__main__":
    main()
