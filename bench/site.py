"""Shared by the browser benchmarks: Chromium's flags, and a freshly built site served locally."""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sitegen.pipeline import build, default_options  # noqa: E402
from sitegen.serve import make_server  # noqa: E402

CHROMIUM = shutil.which("chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


# An init script: the page's clock (performance.now) when its simulator first goes live, as
# window.liveAt. The pages' policy forbids the eval behind Playwright's wait_for_function, so
# benches poll for it with page.evaluate (wait_until_live).
MARK_LIVE = """new MutationObserver((_, observer) => {
  const root = document.querySelector('[data-sim]');
  if (root && root.dataset.simStatus === 'live') { observer.disconnect(); window.liveAt = performance.now(); }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-sim-status']});"""


def wait_until_live(page, timeout: float = 120) -> float:
    """Wait for MARK_LIVE's mark; returns it (ms on the page's clock)."""
    return wait_for_mark(page, "liveAt", timeout)


def wait_for_mark(page, name: str, timeout: float = 120) -> float:
    """Wait until the page's script sets window[name] (a time on the page's clock); returns it."""
    for _ in range(int(timeout / 0.02)):
        value = page.evaluate(f"window[{name!r}]")
        if value is not None:
            return value
        page.wait_for_timeout(20)
    raise TimeoutError(f"window.{name} was not set within {timeout} s")


@contextmanager
def served_site():
    """Build the site into a temporary folder and serve it; yields (site folder, base URL)."""
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        build(default_options(ROOT, site))
        server = make_server(site, port=0, quiet=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield site, f"http://127.0.0.1:{server.server_address[1]}/"
        finally:
            server.shutdown()


def live_simulator_pages(browser, base: str, pages: dict[str, str], names: list[str]):
    """For each simulator in `names`: a new page at its simulator, once it has gone live; yields
    (name, page) and closes the page after."""
    for name in names:
        page = browser.new_page()
        page.goto(base + pages[name] + "#simulator")
        page.wait_for_selector(f'[data-sim={name}][data-sim-status="live"]', state="attached", timeout=120_000)
        try:
            yield name, page
        finally:
            page.close()


def pages_by_simulator(site: Path) -> dict[str, str]:
    """Simulator name -> the page (relative URL) that embeds it."""
    found = {}
    for html in sorted(site.glob("*/index.html")):
        match = re.search(r'data-sim="([a-z_]+)"', html.read_text())
        if match:
            found[match.group(1)] = html.parent.name + "/"
    return found
