"""`python build.py --serve` as an author uses it, in Chromium: an edit shows up in the open page,
a broken edit shows its file and line over the page and in the terminal while the last good
site stays served, and fixing it brings the page back. The server is stopped by the test."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import chromium
from conftest import PROJECT_ROOT

pytestmark = pytest.mark.browser
chromium.require()


TOPIC = "rlvr-reasoning"


class Server:
    """`build.py --serve` in its own process group, its terminal output collected as it comes."""

    def __init__(self, content: Path, out: Path):
        self.process = subprocess.Popen(
            [sys.executable, str(PROJECT_ROOT / "build.py"), "--serve", "--port", "0", "--content", str(content), "--out", str(out)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.lines: list[str] = []
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for_line(self, pattern: str, timeout: float, after: int = 0) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines[after:]:
                match = re.search(pattern, line)
                if match:
                    return match
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r}; the terminal said:\n" + "\n".join(self.lines))

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the server, its builder and their helpers
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture
def server(content_copy, tmp_path):
    running = Server(content_copy, tmp_path / "site")
    yield running
    running.stop()


def test_edit_break_and_fix_a_topic_while_serving(server, content_copy, tmp_path, browser):
    url = server.wait_for_line(r"serving .* at (http://127\.0\.0\.1:\d+/)", timeout=180).group(1)
    # Served as soon as the pages had their first frames; the whole build follows in the background.
    lines = list(server.lines)
    draft = next(i for i, line in enumerate(lines) if re.search(r"built \d+ pages with their first frames", line))
    assert draft < next(i for i, line in enumerate(lines) if line.startswith("serving "))
    topic = content_copy / "topics" / f"{TOPIC}.md"
    good = topic.read_text()
    context = browser.new_context()  # the session's Chromium (conftest): one Playwright per test process
    try:
        page = context.new_page()
        page.goto(url + f"{TOPIC}/")
        page.wait_for_function("document.querySelector('script[src=\"/__live/reload.js\"]') !== null")
        page.wait_for_timeout(300)  # the event stream is open
        # When the whole build lands, the open page shows its experiments checked.
        server.wait_for_line(r"built \d+ pages into \S+ in [\d.]+ s$", timeout=180)
        page.wait_for_selector('[data-experiment][data-claim-status="checked"]', timeout=10_000)
        assert page.query_selector('[data-claim-status="pending"]') is None

        # An edit to the prose: the open page shows it (the server reloads it after the rebuild).
        seen = len(server.lines)
        topic.write_text(good + "\nA sentence added while serving.\n")
        page.wait_for_selector("text=A sentence added while serving.", timeout=10_000)
        server.wait_for_line(r"built \d+ pages", timeout=10, after=seen)

        # A broken front matter: the terminal and the page both name the file and line.
        seen = len(server.lines)
        broken = good.replace("\norder:", "\norder: [", 1)
        assert broken != good
        line = broken.splitlines().index(next(l for l in broken.splitlines() if l.startswith("order: ["))) + 1
        topic.write_text(broken)
        where = rf"{re.escape(TOPIC)}\.md:{line + 1}\b|{re.escape(TOPIC)}\.md:{line}\b"
        server.wait_for_line(where, timeout=10, after=seen)
        overlay = page.wait_for_selector("[data-live-errors]", timeout=10_000)
        assert re.search(where, overlay.text_content())
        assert "A sentence added while serving." in page.text_content("main")  # the last good page stays

        # Fixing it brings the page back, without the overlay.
        topic.write_text(good + "\nFixed and back.\n")
        page.wait_for_selector("text=Fixed and back.", timeout=10_000)
        assert page.query_selector("[data-live-errors]") is None
    finally:
        context.close()

    # The reload script is added by the server only: the files on disk never carry it.
    for html in (tmp_path / "site").rglob("*.html"):
        assert "__live" not in html.read_text(), html
