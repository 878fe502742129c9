"""Hosting, in Chromium: the Content-Security-Policy refuses other origins (in the page and in
the simulator's worker) and the page keeps working; a missing or partly uploaded runtime file
gives the reader the "could not load" message; the service worker makes every topic and its
simulator work offline after one visit, and a new build replaces it whole; the site works
under a subpath, its 404 page included."""

from __future__ import annotations

import time

import pytest

import chromium
from conftest import PROJECT_ROOT, build_content, record_policy_violations, serve

pytestmark = pytest.mark.browser
chromium.require()

from sitegen.pipeline import build, default_options  # noqa: E402


SIM = "[data-sim]"


def go_live(page, url: str, timeout: int = 90_000) -> str:
    page.goto(url)
    page.locator(SIM).scroll_into_view_if_needed()  # the runtime starts when the simulator nears the viewport
    page.wait_for_selector(f'{SIM}[data-sim-status="live"], {SIM}[data-sim-status="error"]', state="attached",
                           timeout=timeout)
    return page.get_attribute(SIM, "data-sim-status")


def other_origin(url: str) -> str:
    """The same server under another name: another origin, as far as the browser knows."""
    return url.replace("127.0.0.1", "localhost")


def test_the_policy_refuses_other_origins_and_the_page_keeps_working(page, site_url):
    assert go_live(page, site_url + "superposition-scaling/?steps=100&scaling_sweep=false") == "live"
    probe = f"fetch('{other_origin(site_url)}index.html').then(() => 'fetched', () => 'refused')"
    assert page.evaluate(probe) == "refused"
    assert page.workers and page.workers[0].evaluate(probe) == "refused"  # the worker inherits the policy
    page.wait_for_function("document.querySelector('[data-sim]').simulator !== undefined")
    # The worker's report reaches the page as a message, later on a busy machine.
    deadline = time.monotonic() + 20
    while len(page.policy_violations) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert len(page.policy_violations) == 2, page.policy_violations
    assert any("connect-src" in v and "simulator worker" in v for v in page.policy_violations)
    page.expected_violations = 2
    # The page goes on: a control change still runs in the worker.
    before = page.get_attribute(SIM, "data-sim-request")
    page.focus("#sim-superposition-m_dims")
    page.keyboard.press("ArrowRight")
    request = int(page.get_attribute(SIM, "data-sim-request"))
    assert str(request) != before
    assert chromium.settle(page, SIM, request) in ("live", "on-request")  # run in the worker (a busy machine may ask first)
    assert "m_dims=" in page.url


def truncated(route):
    """A partial upload: the first 64 KB of the real file, sent as if complete."""
    response = route.fetch()
    route.fulfill(status=200, headers=dict(response.headers), body=response.body()[:65536])


@pytest.mark.parametrize("pattern, answer", [
    ("**/pyodide.asm.wasm", "missing"),
    ("**/pyodide.asm.wasm", "truncated"),  # Pyodide 0.29 alone would wait forever here
    ("**/numpy-*.whl", "missing"),
    ("**/python_stdlib.zip", "missing"),
    ("**/simulators-*.zip", "missing"),
])
def test_a_missing_or_partial_runtime_file_is_explained(first_visit_page, site_url, pattern, answer):
    """A first visit, in a context of its own: what a reader with nothing cached meets when the
    server lacks a runtime file (a returning reader boots from its snapshot and HTTP cache)."""
    page = first_visit_page
    handler = truncated if answer == "truncated" else (lambda route: route.fulfill(status=404, body="Not found"))
    page.context.route(pattern, handler)  # context routes also reach the worker's requests
    assert go_live(page, site_url + "superposition-scaling/", timeout=60_000) == "error"
    message = page.text_content("[data-sim-message]")
    assert "could not load" in message and "computed when this page was built" in message
    assert page.locator(f"{SIM} [data-sim-svg] svg.sim-panel").count() == 3  # the build's figure stays
    assert page.locator("h2#deep-dive").count() == 1


@pytest.fixture
def offline_page(browser):
    """A page whose service worker is free to work: no request routing (Playwright's routes and
    service workers do not mix), so the policy alone keeps other hosts out."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    record_policy_violations(context, page)
    yield page
    assert len(page.policy_violations) == page.expected_violations, page.policy_violations
    context.close()


# The offline worker's caches: the runtime snapshot (sim-worker.mjs) keeps one of its own, not for offline use.
OFFLINE_CACHES = "caches.keys().then((all) => all.filter((name) => name.startsWith('companion ')))"


def cache_names(page) -> list[str]:
    return page.evaluate(OFFLINE_CACHES)


@pytest.fixture
def own_site(content_copy, tmp_path):
    """A site built from a content copy the test may edit, served: (output folder, URL)."""
    out = tmp_path / "site"
    build_content(content_copy, out)
    server, url = serve(out)
    yield out, url
    server.shutdown()


def test_offline_after_one_visit_and_a_new_build_replaces_the_cache(offline_page, own_site, content_copy):
    page = offline_page
    out, url = own_site
    assert go_live(page, url + "superposition-scaling/") == "live"
    # Once a simulator has loaded, the runtime is kept too.
    page.wait_for_selector('html[data-offline="runtime"]', state="attached", timeout=60_000)
    [first_cache] = cache_names(page)

    page.context.set_offline(True)
    # Another topic, with its settings in the link: it reads, and its simulator goes live.
    assert go_live(page, url + "gated-attention/?head=1") == "live"
    assert page.locator("h2#deep-dive").count() == 1
    page.goto(url)
    assert page.locator(".cards a").count() >= 7
    page.goto(url + "no/such/page/")
    assert page.title().startswith("Page not found")

    # A new build with changed text: the next visit shows it, and the old cache is gone.
    page.context.set_offline(False)
    topic = content_copy / "topics" / "gated-attention.md"
    topic.write_text(topic.read_text().replace("## The problem\n", "## The problem\n\nA sentence from the new build.\n", 1))
    build_content(content_copy, out)
    page.goto(url + "gated-attention/")
    assert "A sentence from the new build." in page.text_content("main")
    chromium.eventually(page, f"{OFFLINE_CACHES}.then((names) => names.length === 1 && names[0] !== '{first_cache}')")
    # Offline again: the new build's page, and the runtime carried over into its cache.
    page.context.set_offline(True)
    assert go_live(page, url + "gated-attention/") == "live"
    assert "A sentence from the new build." in page.text_content("main")


# An init script: when the service worker is registered, when the simulator first goes live
# (ready), and when a run's final result is shown, on the page's clock.
MARK_ORDER = """window.marks = {};
const mark = (name) => { window.marks[name] ??= performance.now(); };
const register = navigator.serviceWorker.register.bind(navigator.serviceWorker);
navigator.serviceWorker.register = (...args) => { mark('registered'); return register(...args); };
new MutationObserver(() => {
  const root = document.querySelector('[data-sim]');
  if (root?.dataset.simStatus === 'live') mark('live');
  // The linked setting answered, or (on a slow or busy machine) was judged long and waits for Run.
  if (root?.dataset.simDone || root?.dataset.simStatus === 'ready-to-run') mark('answered');
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-sim-status', 'data-sim-done']});"""


@pytest.mark.parametrize("link, order", [
    # A link to a setting: the runtime boots at once and runs it, and the copy waits for both.
    ("superposition-scaling/?steps=100&scaling_sweep=false&seed=3#simulator", ["live", "answered", "registered"]),
    # A plain visit: the simulator starts because it is within reach of the viewport.
    ("transductive-online-learning/", ["live", "registered"]),
])
def test_the_offline_copy_waits_until_the_simulator_is_up_and_idle(offline_page, site_url, link, order):
    # Keeping the site for offline reading competes with the runtime's boot and first runs.
    page = offline_page
    page.add_init_script(MARK_ORDER)
    page.goto(site_url + link)
    page.wait_for_selector('html[data-offline]', state="attached", timeout=90_000)
    marks = page.evaluate("window.marks")
    assert [mark for mark in sorted(marks, key=marks.get) if mark in order] == order, marks


def test_switching_offline_reading_off_removes_what_a_build_installed(offline_page, own_site, content_copy):
    page = offline_page
    out, url = own_site
    page.goto(url)
    chromium.eventually(page, f"navigator.serviceWorker.ready.then(() => {OFFLINE_CACHES}).then((n) => n.length === 1)")
    site_yaml = content_copy / "site.yaml"
    site_yaml.write_text(site_yaml.read_text() + "offline: false\n")
    build_content(content_copy, out)
    assert 'data-offline="off"' in (out / "index.html").read_text()
    assert "caches.delete" in (out / "sw.js").read_text() and "BUILD" not in (out / "sw.js").read_text()
    page.goto(url + "gated-attention/")
    chromium.eventually(page, "navigator.serviceWorker.getRegistrations().then((r) => r.length === 0"
                     f" && {OFFLINE_CACHES}.then((n) => n.length === 0))")


def test_the_site_works_under_a_subpath(offline_page, tmp_path):
    page = offline_page
    options = default_options(PROJECT_ROOT, tmp_path / "site")
    options.base_path = "/companion/"
    options.log = lambda message: None
    build(options)
    server, url = serve(tmp_path / "site", base_path="/companion/")
    host = url.removesuffix("/companion/")
    try:
        page.goto(host + "/companion")  # without its slash: redirected to the folder
        assert page.url == host + "/companion/"
        page.click(".cards a >> nth=0")
        assert page.url.startswith(host + "/companion/")
        assert go_live(page, page.url) == "live"
        scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
        assert scope == host + "/companion/"
        # A missing page anywhere under the path: the site's 404 page, whose links lead home.
        response = page.goto(host + "/companion/no/such/deep/page")
        assert response.status == 404 and page.title().startswith("Page not found")
        assert page.evaluate("document.querySelector('link[rel=stylesheet]').sheet.cssRules.length") > 0  # styled
        page.click("main ul a >> nth=0")
        assert page.url.startswith(host + "/companion/") and not page.title().startswith("Page not found")
        assert page.goto(host + "/elsewhere/").status == 404
    finally:
        server.shutdown()
