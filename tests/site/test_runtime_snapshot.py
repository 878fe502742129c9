"""The runtime snapshot (static/js/sim-worker.mjs): the first simulator page saves one in the
background, later pages boot from it and compute the same numbers, and a snapshot the runtime
cannot take back is dropped while the page boots as it would without one."""

from __future__ import annotations

import json

import pytest

import chromium
from simulators import bridge

pytestmark = pytest.mark.browser
chromium.require()


@pytest.fixture
def page(first_visit_page):
    """Every test here is about a first visit (no snapshot yet): a context of its own."""
    return first_visit_page


SIM = "[data-sim=superposition]"
PAGE = "superposition-scaling/"
QUICK = {"steps": 100, "scaling_sweep": False, "m_dims": 8, "n_features": 40}
CACHE = "pyodide memory snapshot"


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


def snapshot_url(page) -> str:
    return page.evaluate("new URL(document.querySelector('[data-sim]').simulator.config.runtime.indexURL, document.baseURI).href"
                         " + 'memory-snapshot'")


# The page's own record of its workers: ("open", n) when it creates worker n, ("close", n) when
# it terminates it. Playwright's worker events would say when Chromium has torn a worker down,
# which can come after the page has already started the next one.
RECORD_WORKERS = """window.workerLog = [];
let workersMade = 0;
window.Worker = class extends Worker {
  constructor(...args) { super(...args); this.number = workersMade++; window.workerLog.push(['open', this.number]); }
  terminate() { window.workerLog.push(['close', this.number]); return super.terminate(); }
};"""


def record_workers(page) -> None:
    page.add_init_script(RECORD_WORKERS)


def worker_log(page) -> list[tuple[str, int]]:
    return [tuple(entry) for entry in page.evaluate("window.workerLog")]


def helpers_ready(page) -> int:
    return page.evaluate("document.querySelector('[data-sim]').simulator.runtime.pool.ready")


def test_a_later_page_boots_from_the_snapshot_the_first_saved_and_computes_the_same(page, site_url):
    record_workers(page)
    first = open_quick(page, site_url, seed=1)
    assert not first.get("from_snapshot")
    page.wait_for_selector(f"{SIM}[data-sim-snapshot]", state="attached", timeout=60_000)
    assert page.get_attribute(SIM, "data-sim-snapshot") == "saved"
    assert page.evaluate(f"caches.open('{CACHE}').then((c) => c.match('{snapshot_url(page)}')).then((r) => !!r)")
    # One runtime boots at a time: the snapshot's worker has come and gone before the first
    # helper starts, so the page never holds the run's worker, the snapshot's and a helper at once.
    chromium.eventually(page, "document.querySelector('[data-sim]').simulator.runtime.pool.ready >= 1")
    # The first worker to close is the snapshot's; before it, only it and the run's worker opened.
    workers = worker_log(page)
    first_close = next(i for i, (kind, _) in enumerate(workers) if kind == "close")
    assert workers[:first_close + 1] == [("open", 0), ("open", 1), ("close", 1)], workers

    later = open_quick(page, site_url, seed=2)
    assert later.get("from_snapshot") is True
    assert_cpython_numbers(page, seed=2)
    # No snapshot to make: the helpers boot (from the snapshot) as soon as the run's worker is up.
    chromium.eventually(page, "document.querySelector('[data-sim]').simulator.runtime.pool.ready >= 1")
    page.wait_for_timeout(2500)  # past the moment a page without a snapshot would start saving one
    assert page.get_attribute(SIM, "data-sim-snapshot") is None
    workers = worker_log(page)  # this page's only
    opened = [number for kind, number in workers if kind == "open"]
    assert len(opened) == 1 + helpers_ready(page), workers  # the run's worker and its helpers, no snapshot's


@pytest.mark.parametrize("damage", ["truncated", "not a snapshot"])
def test_a_snapshot_that_cannot_be_restored_is_dropped_and_the_page_boots_without(page, site_url, damage):
    open_quick(page, site_url, seed=1)
    page.wait_for_selector(f"{SIM}[data-sim-snapshot='saved']", state="attached", timeout=60_000)
    url = snapshot_url(page)
    page.evaluate("""async ([name, url, damage]) => {
        const cache = await caches.open(name);
        const bytes = new Uint8Array(await (await cache.match(url)).arrayBuffer());
        const bad = damage === "truncated" ? bytes.slice(0, bytes.length >> 1) : new Uint8Array(4096).fill(7);
        await cache.put(url, new Response(bad));
    }""", [CACHE, url, damage])

    timings = open_quick(page, site_url, seed=3)
    assert timings.get("snapshot_refused") is True and not timings.get("from_snapshot")
    assert_cpython_numbers(page, seed=3)
    assert not page.evaluate(f"caches.has('{CACHE}')")
    page.wait_for_timeout(2500)
    assert page.get_attribute(SIM, "data-sim-snapshot") is None  # no new snapshot to fail again
