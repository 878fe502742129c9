"""A local static server for browsing the built site (not for production). With live hooks
(sitegen.live), it also adds the reload script to each HTML page it sends and answers the
live URLs; the files on disk never change."""

from __future__ import annotations

import email.utils
import functools
import gzip
import http.server
import os
import sys
from pathlib import Path

# Pyodide needs `.wasm` as application/wasm for streaming compilation, and module
# workers need a JavaScript type for `.mjs`; older Pythons know neither.
EXTRA_TYPES = {".wasm": "application/wasm", ".mjs": "text/javascript", ".whl": "application/zip", ".json": "application/json"}
# Text is sent gzipped to a browser that accepts it, as static hosts (GitHub Pages, Netlify) do,
# so what a reader downloads here, and what Lighthouse measures, matches a real host.
COMPRESSED_SUFFIXES = {".html", ".css", ".js", ".mjs", ".json", ".svg", ".txt", ".xml"}


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **EXTRA_TYPES}

    def do_GET(self):
        live = getattr(self.server, "live", None)
        if live is not None:
            if live.handle(self):
                return
            page = self._html_file()
            if page is not None:
                self.send_bytes(live.page(page), "text/html; charset=utf-8")
                return
        if not self._send_text_file():
            super().do_GET()

    def do_HEAD(self):
        if not self._send_text_file():
            super().do_HEAD()

    def _send_text_file(self) -> bool:
        """Send a text file of the site through send_bytes (gzipped where accepted); False for
        anything else (folders, redirects, binary files), which the parent class serves."""
        path = self._html_file() or Path(self.translate_path(self.path))
        if path.suffix not in COMPRESSED_SUFFIXES or not path.is_file():
            return False
        modified = email.utils.formatdate(int(path.stat().st_mtime), usegmt=True)
        if self.headers.get("If-Modified-Since") == modified:  # as the parent class answers: unchanged
            self.send_response(304)
            self.end_headers()
            return True
        self.send_bytes(path.read_bytes(), self.guess_type(str(path)), cache=None, modified=modified)
        return True

    def translate_path(self, path: str) -> str:
        """Serve the site under its base path (`--base-path /companion/`), as a host would; any
        other path is missing, so the site's own 404 page answers it."""
        base = getattr(self.server, "base_path", "/")
        if base != "/":
            route = path.split("?", 1)[0].split("#", 1)[0]
            if route == base.rstrip("/"):
                path = "/"  # the folder without its slash: the parent class redirects to add it
            elif route.startswith(base):
                path = "/" + path[len(base):]
            else:
                return os.path.join(self.directory, ".outside-the-base-path")  # no such file
        return super().translate_path(path)

    def _html_file(self) -> Path | None:
        """The HTML file a GET for this path would send, if it is one."""
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                return None  # the parent class answers with a redirect to the folder
            path = path / "index.html"
        return path if path.suffix == ".html" and path.is_file() else None

    def send_bytes(self, body: bytes, content_type: str, status: int = 200, cache: str | None = "no-store",
                   modified: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if "gzip" in self.headers.get("Accept-Encoding", "") and len(body) > 1024:
            body = gzip.compress(body, compresslevel=6, mtime=0)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        if cache:
            self.send_header("Cache-Control", cache)
        if modified:
            self.send_header("Last-Modified", modified)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_error(self, code, message=None, explain=None):
        # Serve the site's own 404 page, as static hosts do.
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            live = getattr(self.server, "live", None)
            self.send_bytes(live.inject(body) if live is not None else body, "text/html; charset=utf-8", 404)
            return
        super().send_error(code, message, explain)

    def log_message(self, format, *args):  # quieter than the default: one line per request
        if not getattr(self.server, "quiet", False):
            super().log_message(format, *args)


class SiteServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A reader who leaves a page while it still downloads (the runtime is megabytes) closes
        # the connection under the server: nothing went wrong with the site, so no traceback.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def make_server(directory: Path, host: str = "127.0.0.1", port: int = 8000, quiet: bool = False,
                live=None, base_path: str = "/") -> SiteServer:
    # The build swaps the output folder by renaming, so serve the path, not an open folder.
    handler = functools.partial(SiteHandler, directory=os.fspath(directory))
    server = SiteServer((host, port), handler)
    server.quiet = quiet or live is not None  # live: the terminal shows builds, not requests
    server.live = live
    server.base_path = base_path
    return server
