"""The runtime snapshot (static/js/simulator/worker-boot.mjs): the first simulator page saves one
in the background, with NumPy's bytecode beside it; later pages boot from both and compute the
same numbers, and a snapshot the runtime cannot take back, or damaged bytecode, is dropped while
the page boots as it would without it."""

from __future__ import annotations

import json

import pytest

import chromium
from simulators import bridge

pytestmark = pytest.mark.browser
chromium.require()


CACHE = "pyodide memory snapshot"
SET_ASIDE = "set aside by test_runtime_snapshot"
# Every entry of one cache into another, then the first deleted (none to move: nothing happens).
MOVE_CACHE = """async ([from, to]) => {
  if (!(await caches.has(from))) return;
  const source = await caches.open(from), target = await caches.open(to);
  for (const request of await source.keys()) await target.put(request, await source.match(request));
  await caches.delete(from);
}"""


@pytest.fixture
def page(page, site_url):
    """A reader's first simulator page: the returning reader's tab (conftest) with its snapshot and
    bytecode set aside, so that the runtime finds none, and put back after the test whatever the
    test left. What is tested is what Cache Storage holds: the reader's HTTP cache and compiled
    WebAssembly stay, which spares each test a compile of the runtime (about 3 CPU-seconds a
    page) but changes nothing the page decides. As a device with two cores (the returning reader
    acts as one): on a first page the snapshot's worker goes on as the page's helper."""
    page.add_init_script(chromium.cores(2))
    page.goto(site_url + "404.html")  # the site's origin, without a simulator
    page.evaluate(MOVE_CACHE, [CACHE, SET_ASIDE])
    try:
        yield page
    finally:
        # The test's page is left first (a worker of its own may still be saving), then the
        # snapshot is put back from a tab of its own, which a crashed or stuck page cannot stop:
        # without it every later test of this worker would be a first visit.
        try:
            page.goto("about:blank")
        finally:
            tab = page.context.new_page()
            tab.goto(site_url + "404.html")
            tab.evaluate(f"caches.delete('{CACHE}')")
            tab.evaluate(MOVE_CACHE, [SET_ASIDE, CACHE])
            back = tab.evaluate(f"caches.open('{CACHE}').then((cache) => cache.keys()).then((keys) => keys.length)")
            tab.close()
            assert back == 2, f"the reader's snapshot and bytecode were not put back ({back} entries)"


SIM = "[data-sim=superposition]"
PAGE = "superposition-scaling/"
QUICK = {"steps": 100, "scaling_sweep": False, "m_dims": 8, "n_features": 40}


def open_quick(page, site_url: str, seed: int) -> dict:
    """Open the page at a quick setting; wait for the live result; return the worker's timings."""
    query = "&".join(f"{k}={str(v).lower()}" for k, v in {**QUICK, "seed": seed}.items())
    page.goto(f"{site_url}{PAGE}?{query}#simulator")
    chromium.settle(page, SIM, 1)
    return json.loads(page.get_attribute(SIM, "data-sim-timings"))


def assert_cpython_numbers(page, seed: int) -> None:
    shown = page.evaluate("document.querySelector('[data-sim]').simulator.lastFrame.result")
    expected = bridge.result("superposition", QUICK, seed)
    for key in ("loss", "fraction_represented", "mean_interference"):
        assert shown[key] == pytest.approx(expected[key], rel=1e-6, abs=1e-6), key


def snapshot_url(page, name: str = "memory-snapshot") -> str:
    """The URL a later page finds `name` under in the cache: the snapshot, or numpy-bytecode.zip."""
    return page.evaluate("new URL(document.querySelector('[data-sim]').simulator.config.runtime.indexURL, document.baseURI).href"
                         f" + {name!r}")


def cached(page, url: str) -> bool:
    return page.evaluate(f"caches.open('{CACHE}').then((c) => c.match('{url}')).then((r) => !!r)")


# The page's own record of its workers: ("open", n) when it creates worker n, ("close", n) when
# it terminates it. Playwright's worker events would say when Chromium has torn a worker down,
# which can come after the page has already started the next one.
RECORD_WORKERS = """window.workerLog = []; window.workerOpenedAt = [];
let workersMade = 0;
window.Worker = class extends Worker {
  constructor(...args) {
    super(...args); this.number = workersMade++;
    window.workerLog.push(['open', this.number]); window.workerOpenedAt.push(performance.now());
  }
  terminate() { window.workerLog.push(['close', this.number]); return super.terminate(); }
};"""


def record_workers(page) -> None:
    page.add_init_script(RECORD_WORKERS)


def worker_log(page) -> list[tuple[str, int]]:
    return [tuple(entry) for entry in page.evaluate("window.workerLog")]


def helpers_ready(page) -> int:
    return page.evaluate("document.querySelector('[data-sim]').simulator.runtime.pool.ready")


def test_a_later_page_boots_from_what_the_first_saved_and_computes_the_same(page, site_url):
    """Then, on a third page, bytecode damaged in storage is dropped, NumPy imports from source,
    and that page saves both again (after the same first visit: one first visit less)."""
    record_workers(page)
    first = open_quick(page, site_url, seed=1)
    assert not first.get("from_snapshot") and not first.get("bytecode")
    page.wait_for_selector(f"{SIM}[data-sim-snapshot]", state="attached", timeout=60_000)
    assert page.get_attribute(SIM, "data-sim-snapshot") == "saved"
    assert cached(page, snapshot_url(page)) and cached(page, snapshot_url(page, "numpy-bytecode.zip"))
    # One runtime boots at a time, and the snapshot's worker goes on as the helper: the page
    # opened only the run's worker and it, and closed neither.
    chromium.eventually(page, "document.querySelector('[data-sim]').simulator.runtime.pool.ready >= 1")
    assert worker_log(page) == [("open", 0), ("open", 1)]
    assert page.evaluate("document.querySelector('[data-sim]').simulator.runtime.pool.helpers.map((h) => h.worker.number)") == [1]
    # It computes parts: the sweep's widths of a run that has them.
    page.evaluate("""(() => {
      const sim = document.querySelector('[data-sim]').simulator, pool = sim.runtime.pool;
      window.partsBy = [];
      const done = pool.done.bind(pool);
      pool.done = (helper, message) => { window.partsBy.push(helper.worker.number); return done(helper, message); };
      const sweep = sim.form.elements.scaling_sweep;
      sweep.checked = true;
      sweep.dispatchEvent(new Event('input', { bubbles: true }));
    })()""")
    chromium.settle(page, SIM, page.evaluate("document.querySelector('[data-sim]').simulator.requestId"))
    parts_by = page.evaluate("window.partsBy")
    assert parts_by and set(parts_by) == {1}, parts_by
    shown = page.evaluate("document.querySelector('[data-sim]').simulator.lastFrame.result")
    expected = bridge.result("superposition", {**QUICK, "scaling_sweep": True}, 1)
    assert [point["loss"] for point in shown["scaling"]] == pytest.approx([point["loss"] for point in expected["scaling"]], rel=1e-6)

    later = open_quick(page, site_url, seed=2)
    assert later.get("from_snapshot") is True and later.get("bytecode") is True
    assert_cpython_numbers(page, seed=2)
    # No snapshot to make: the helpers boot (from the snapshot) as soon as the run's worker is up.
    chromium.eventually(page, "document.querySelector('[data-sim]').simulator.runtime.pool.ready >= 1")
    page.wait_for_timeout(2500)  # past the moment a page without a snapshot would start saving one
    assert page.get_attribute(SIM, "data-sim-snapshot") is None
    workers = worker_log(page)  # this page's only
    opened = [number for kind, number in workers if kind == "open"]
    assert len(opened) == 1 + helpers_ready(page), workers  # the run's worker and its helpers, no snapshot's

    bytecode = snapshot_url(page, "numpy-bytecode.zip")
    page.evaluate("""async ([name, url]) => {
        const cache = await caches.open(name), saved = await cache.match(url);
        const bytes = new Uint8Array(await saved.arrayBuffer());
        bytes[bytes.length >> 1] ^= 0xff;  // one byte flipped; the hash it was saved with kept
        await cache.put(url, new Response(bytes, { headers: saved.headers }));
    }""", [CACHE, bytecode])
    damaged = open_quick(page, site_url, seed=4)
    assert damaged.get("from_snapshot") is True and damaged.get("bytecode_refused") is True and not damaged.get("bytecode")
    assert_cpython_numbers(page, seed=4)
    page.wait_for_selector(f"{SIM}[data-sim-snapshot]", state="attached", timeout=60_000)
    assert page.get_attribute(SIM, "data-sim-snapshot") == "saved"  # both, made again by this page
    assert cached(page, snapshot_url(page)) and cached(page, bytecode)


def test_with_a_core_to_spare_the_snapshot_and_helper_boot_beside_the_warm_up(page, site_url):
    """On a device with three cores or more the page does not wait to be idle: the snapshot's
    worker starts as the run's worker goes live, while that one warms up the page's setting
    (gated attention's: its view-only head control needs the trained models in the caches)."""
    root = "[data-sim=gated_attention]"
    page.add_init_script(chromium.cores(4))
    record_workers(page)
    # When the warm-up ends, by the page's clock.
    page.add_init_script("""window.warmEndedAt = null;
      new MutationObserver(() => { if (window.warmEndedAt === null && document.querySelector('[data-sim][data-sim-warm]'))
        window.warmEndedAt = performance.now(); })
        .observe(document, { subtree: true, attributes: true, attributeFilter: ['data-sim-warm'] });""")
    page.goto(f"{site_url}gated-attention/#simulator")  # the page's own setting: it warms up after going live
    chromium.eventually(page, "document.querySelector('[data-sim]').simulator.runtime.ready")
    chromium.eventually(page, "window.workerLog.length >= 2")
    assert worker_log(page) == [("open", 0), ("open", 1)]
    opened, warm_ended = page.evaluate("[window.workerOpenedAt[1], window.warmEndedAt]")
    assert warm_ended is None or opened < warm_ended  # the snapshot's worker started while the warm-up was under way
    chromium.eventually(page, "document.querySelector('[data-sim]').simulator.runtime.pool.ready >= 1")
    assert page.get_attribute(root, "data-sim-snapshot") == "saved"
    assert worker_log(page) == [("open", 0), ("open", 1)]  # the snapshot's worker is the helper


def test_a_page_whose_work_is_shipped_does_not_warm_up(page, site_url):
    """The superposition page's sweep is shipped (simulators/superposition/sweep.py): once live
    it computes nothing in the background, and its controls still answer."""
    page.goto(f"{site_url}{PAGE}#simulator")
    chromium.eventually(page, "document.querySelector('[data-sim]').simulator.runtime.ready")
    # A warm-up starts as the runtime is up, and training one model it would take a second or more.
    assert page.evaluate("[document.querySelector('[data-sim]').simulator.config.warmUp,"
                         " document.querySelector('[data-sim]').simulator.warmingUp]") == [False, False]
    assert page.get_attribute(SIM, "data-sim-warm") is None
    page.evaluate("""(() => { const input = document.querySelector('[data-sim]').simulator.form.elements.weight_decay;
      input.value = '-0.9'; input.dispatchEvent(new Event('input', { bubbles: true })); })()""")
    assert chromium.settle(page, SIM, 1) in ("live", "on-request")


@pytest.mark.parametrize("damage", ["truncated", "not a snapshot"])
def test_a_snapshot_that_cannot_be_restored_is_dropped_and_the_page_boots_without(page, site_url, damage):
    # Stored before any runtime booted in the tab, under the URL the page reads it from.
    page.route("**/pyodide.mjs", lambda route: route.abort())
    page.goto(f"{site_url}{PAGE}")
    page.unroute("**/pyodide.mjs")
    page.evaluate("""async ([name, url, damage, real]) => {
        // truncated: half of a real snapshot, the one the reader's first page saved (set aside)
        const saved = damage === "truncated" ? new Uint8Array(await (await (await caches.open(real)).match(url)).arrayBuffer()) : null;
        const bad = saved ? saved.slice(0, saved.length >> 1) : new Uint8Array(4096).fill(7);
        await (await caches.open(name)).put(url, new Response(bad));
    }""", [CACHE, snapshot_url(page), damage, SET_ASIDE])

    timings = open_quick(page, site_url, seed=3)
    assert timings.get("snapshot_refused") is True and not timings.get("from_snapshot")
    assert_cpython_numbers(page, seed=3)
    assert not page.evaluate(f"caches.has('{CACHE}')")
    page.wait_for_timeout(2500)
    assert page.get_attribute(SIM, "data-sim-snapshot") is None  # no new snapshot to fail again
