"""`python build.py --serve`: serve the site, rebuild when a source file changes, reload open pages.

Three parts:
- a builder process (a one-worker process pool) that runs `driver.run` and keeps its imports
  warm between builds; when Python code under `simulators/` or `sitegen/` changes it is replaced,
  so a rebuild never runs stale code. The first build is a draft (the pages with their first
  frames), served at once; the whole build follows in the background and reloads the pages;
- a watcher thread (`watchfiles`) that batches changes and asks for a rebuild;
- the local server, which adds a small script to every HTML page it sends (never to the files
  on disk): the script listens on a Server-Sent Events stream and reloads the page after a good
  build, or lays the build's `file:line` errors over the page after a bad one. A failed build
  leaves the last good site in place (the pipeline writes to a staging folder), and it is served.
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from . import driver
from .schema import BASE_PATH
from .serve import make_server

CLIENT_SCRIPT = Path(__file__).with_name("live_reload.js")
SCRIPT_URL = "/__live/reload.js"
EVENTS_URL = "/__live/events"
CODE_FOLDERS = ("simulators", "sitegen")
KEEPALIVE_SECONDS = 15


class BuildState:
    """What the pages are told: the number of the last good build and the current errors."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.version = 0  # bumps on every build outcome, good or bad
        self.generation = 0  # bumps on every good build: pages reload when it moves
        self.errors: list[str] = []

    def publish(self, outcome: driver.Outcome) -> None:
        with self._changed:
            self.version += 1
            if outcome.ok:
                self.generation += 1
                self.errors = []
            else:
                self.errors = outcome.errors
            self._changed.notify_all()

    def snapshot(self) -> tuple[int, str]:
        with self._changed:
            return self.version, json.dumps({"generation": self.generation, "errors": self.errors})

    def wait_after(self, version: int, timeout: float) -> tuple[int, str] | None:
        """The state once its version passes `version`, or None after `timeout` seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: self.version != version, timeout):
                return None
        return self.snapshot()


class Builder:
    """Builds in a child process with warm imports; replaced when Python code changes. One build
    at a time: the watcher's rebuild waits for the background build that follows a draft."""

    def __init__(self, request: driver.Request) -> None:
        self.request = request
        self._pool: ProcessPoolExecutor | None = None
        self._one_at_a_time = threading.Lock()

    def build(self, code_changed: bool = False, draft: bool = False) -> driver.Outcome:
        with self._one_at_a_time:
            if code_changed and self._pool is not None:
                self._pool.shutdown()
                self._pool = None
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
            try:
                return self._pool.submit(driver.run_reporting_crashes, dataclasses.replace(self.request, draft=draft)).result()
            except Exception as crash:  # noqa: BLE001 - the builder process itself died
                self._pool = None
                return driver.Outcome(ok=False, errors=[f"the builder process stopped: {crash!r}"], report=repr(crash))

    def close(self) -> None:
        """Stop now, abandoning a build under way (its staging folder never replaces the site)."""
        if self._pool is not None:
            workers = list((self._pool._processes or {}).values())  # the executor has no public handle on them
            self._pool.shutdown(wait=False, cancel_futures=True)
            for process in workers:
                process.terminate()


def announce(outcome: driver.Outcome, out_dir: Path) -> None:
    if outcome.ok:
        print(outcome.summary(out_dir), flush=True)
    else:
        print(outcome.report, file=sys.stderr, flush=True)


def is_code(path: Path) -> bool:
    root = driver.PROJECT_ROOT
    return path.suffix == ".py" and any(path.is_relative_to(root / folder) for folder in CODE_FOLDERS)


def watch(request: driver.Request, builder: Builder, state: BuildState, stop: threading.Event) -> None:
    from watchfiles import watch as watch_changes  # imported here: only serving needs it

    folders = [p for p in driver.watched_folders(request) if p.is_dir()]
    for changes in watch_changes(*folders, stop_event=stop, debounce=200, step=50):
        paths = sorted({Path(p) for _, p in changes})
        shown = ", ".join(str(p.relative_to(driver.PROJECT_ROOT)) if p.is_relative_to(driver.PROJECT_ROOT) else str(p)
                          for p in paths[:3]) + (" …" if len(paths) > 3 else "")
        print(f"changed: {shown}; rebuilding", flush=True)
        outcome = builder.build(code_changed=any(is_code(p) for p in paths))
        announce(outcome, request.out_dir)
        state.publish(outcome)


def finish(builder: Builder, state: BuildState, out_dir: Path) -> None:
    """After a draft is served: the whole build, whose pages replace the draft's and reload."""
    outcome = builder.build()
    announce(outcome, out_dir)
    state.publish(outcome)


def serve(request: driver.Request, port: int) -> int:
    builder = Builder(request)
    state = BuildState()
    started = time.perf_counter()
    # Serve as soon as the pages and their first frames exist; the rest is built in the background.
    outcome = builder.build(draft=True)
    announce(outcome, request.out_dir)
    if not outcome.ok and not (request.out_dir / "index.html").is_file():
        print("nothing to serve yet: fix the errors above and run again", file=sys.stderr)
        builder.close()
        return 1
    state.publish(outcome)
    try:
        server = make_server(request.out_dir, port=port, live=LiveHooks(state), base_path=served_path(request))
    except OSError as error:
        print(f"cannot serve on 127.0.0.1:{port}: {error.strerror}; choose another with --port", file=sys.stderr)
        builder.close()
        return 1
    signal.signal(signal.SIGTERM, _stop_serving)  # `kill PID` shuts down like Ctrl+C: builder included
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(request, builder, state, stop), daemon=True)
    watcher.start()
    if outcome.ok and outcome.draft:
        threading.Thread(target=finish, args=(builder, state, request.out_dir), daemon=True).start()
    print(f"serving {request.out_dir} at http://127.0.0.1:{server.server_address[1]}{server.base_path} "
          f"(ready in {time.perf_counter() - started:.1f} s); watching for changes, Ctrl+C to stop", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
        watcher.join(timeout=5)
        builder.close()
    return 0


def served_path(request: driver.Request) -> str:
    """Where the site is served: the path it is built for (--base-path, else site.yaml's), so
    that the 404 page's links work here as they will on the host."""
    if request.base_path:
        return request.base_path
    import yaml

    try:
        site = yaml.safe_load((request.content_dir / "site.yaml").read_text(encoding="utf-8"))
        path = site.get("base_path") or "/"
    except (OSError, yaml.YAMLError, AttributeError):
        return "/"  # the build reports a broken site.yaml; serve the last good site at the root
    return path if isinstance(path, str) and BASE_PATH.match(path) else "/"


def _stop_serving(signum, frame):
    raise KeyboardInterrupt


class LiveHooks:
    """What the server adds when serving live: the script tag, the script and the event stream."""

    def __init__(self, state: BuildState) -> None:
        self.state = state

    def page(self, path) -> bytes:
        """A built page as served live. The tag carries the build generation it was read at
        (taken first: the file can only be as new or newer), so a page whose build was replaced
        before its event stream opened reloads at once instead of waiting for the next build."""
        generation = self.state.generation
        return self.inject(path.read_bytes(), generation)

    def inject(self, page: bytes, generation: int | None = None) -> bytes:
        generation = self.state.generation if generation is None else generation
        tag = f'<script src="{SCRIPT_URL}" data-generation="{generation}" defer></script>'.encode()
        at = page.rfind(b"</body>")
        return page[:at] + tag + page[at:] if at != -1 else page + tag

    def handle(self, handler) -> bool:
        """Answer the live URLs; False for every other path."""
        path = handler.path.split("?", 1)[0]
        if path == SCRIPT_URL:
            handler.send_bytes(CLIENT_SCRIPT.read_bytes(), "text/javascript; charset=utf-8")
            return True
        if path == EVENTS_URL:
            self._stream(handler)
            return True
        return False

    def _stream(self, handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Cache-Control", "no-store")
        handler.end_headers()
        version, data = self.state.snapshot()
        try:
            handler.wfile.write(f"event: state\ndata: {data}\n\n".encode())
            handler.wfile.flush()
            while True:
                news = self.state.wait_after(version, KEEPALIVE_SECONDS)
                if news is None:
                    handler.wfile.write(b": still here\n\n")
                else:
                    version, data = news
                    handler.wfile.write(f"event: state\ndata: {data}\n\n".encode())
                handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return  # the page was closed or reloaded
