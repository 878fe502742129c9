"""Debian's Chromium for the browser tests, through Python Playwright (never `playwright install`).
Importing this from a test module skips the module when no browser is there, or fails the run
when REQUIRE_BROWSER is set (as tests/run_all.sh and CI do)."""

from __future__ import annotations

import os
import shutil
import time

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic",
        # No host name resolves but this machine's address: a page that asks another host for
        # anything fails at once, offline or not (conftest.checked records the request).
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


def screen(width: int) -> dict:
    """The viewport of a phone (390 x 844 and narrower) or of a desktop at `width` px."""
    return {"width": width, "height": 844 if width < 600 else 900}


def cores(count: int) -> str:
    """An init script: pages see a device with `count` cores (navigator.hardwareConcurrency),
    which decides their helper workers (static/js/simulator/pool.mjs)."""
    return f"Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', {{ get: () => {count} }});"


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401  (only whether it imports)
    except ImportError:
        return "Python playwright is not installed"
    if CHROMIUM is None:
        return "the chromium package is not installed"
    return None


def require() -> None:
    """Call at a browser test module's top level."""
    missing = _missing()
    if missing:
        if os.environ.get("REQUIRE_BROWSER"):
            raise RuntimeError(f"browser tests required but {missing}")
        pytest.skip(missing, allow_module_level=True)


def settle(page, root: str, request: int, timeout: int = 90_000) -> str:
    """Wait until request number `request` of the simulator at `root` has its final result,
    pressing Run if the page asks first (a long setting waits for it). Returns the path the
    result took: live, precomputed or on-request."""
    done = f'{root}[data-sim-done="{request}"]'
    asking = f'{root}[data-sim-request="{request}"][data-sim-status="ready-to-run"]'
    page.wait_for_selector(f"{done}, {asking}", state="attached", timeout=timeout)
    if page.get_attribute(root, "data-sim-status") == "ready-to-run" and page.get_attribute(root, "data-sim-done") != str(request):
        page.click(f'{root} [data-action="run"]')
        page.wait_for_selector(done, state="attached", timeout=timeout)
    return page.get_attribute(root, "data-sim-path")


def eventually(page, script: str, timeout: float = 60) -> None:
    """Wait until `script` (which may return a promise: page.evaluate awaits it) is true."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {script}"
        page.wait_for_timeout(250)
