"""The local server (`python build.py --serve`) sends what a static host sends: text gzipped
to a client that accepts it (so page weight and Lighthouse scores here match a real host),
the file's own bytes otherwise, and "not modified" for a file the client already has."""

from __future__ import annotations

import gzip
import socket
import struct
import time
import urllib.error
import urllib.request

import pytest

from conftest import serve


@pytest.fixture(scope="module")
def served(built_site):
    server, url = serve(built_site)
    yield built_site, url
    server.shutdown()


def fetch(url: str, method: str = "GET", **headers):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method, headers=headers)) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_text_is_gzipped_when_accepted_and_plain_otherwise(served):
    site, url = served
    page = (site / "diffusion-memorization" / "index.html").read_bytes()
    status, headers, body = fetch(url + "diffusion-memorization/", **{"Accept-Encoding": "gzip, deflate"})
    assert status == 200 and headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in headers["Vary"]
    assert gzip.decompress(body) == page and len(body) < len(page) / 3
    status, headers, body = fetch(url + "diffusion-memorization/index.html")
    assert headers["Content-Encoding"] is None and body == page
    status, headers, body = fetch(url + "diffusion-memorization/", "HEAD", **{"Accept-Encoding": "gzip"})
    assert status == 200 and body == b"" and int(headers["Content-Length"]) < len(page) / 3


def test_binary_files_are_sent_as_they_are_and_unchanged_files_are_not_sent_again(served):
    site, url = served
    wasm = next(site.glob("static/pyodide-*/pyodide.asm.wasm"))
    status, headers, body = fetch(url + wasm.relative_to(site).as_posix(), **{"Accept-Encoding": "gzip"})
    assert headers["Content-Type"] == "application/wasm" and headers["Content-Encoding"] is None
    assert body == wasm.read_bytes()
    _, headers, _ = fetch(url + "static/css/site.css")
    status, _, body = fetch(url + "static/css/site.css", **{"If-Modified-Since": headers["Last-Modified"]})
    assert status == 304 and body == b""
    status, headers, body = fetch(url + "no/such/page/", **{"Accept-Encoding": "gzip"})
    assert status == 404 and gzip.decompress(body) == (site / "404.html").read_bytes()  # the site's own 404 page, gzipped too


def test_a_reader_leaving_during_a_download_prints_no_traceback(tmp_path, capfd):
    """A tab closed while the runtime downloads resets the connection: the author's terminal
    shows no traceback for it (it used to print one per closed download)."""
    (tmp_path / "big.wasm").write_bytes(b"\0" * 32_000_000)  # far more than the sockets' buffers hold
    server, url = serve(tmp_path)
    try:
        port = server.server_address[1]
        with socket.create_connection(("127.0.0.1", port)) as client:
            client.sendall(b"GET /big.wasm HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert client.recv(1024).startswith(b"HTTP/1.0 200")
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
        time.sleep(0.5)  # the server's write fails meanwhile
        assert urllib.request.urlopen(url + "big.wasm").length == 32_000_000  # and it still serves
    finally:
        server.shutdown()
    assert "Traceback" not in capfd.readouterr().err


def test_a_page_served_live_names_the_build_it_came_from(tmp_path):
    """The reload script compares that with the server's: a build that lands before the page's
    event stream opens still reloads it (it used to wait for the next build)."""
    from sitegen import driver
    from sitegen.live import BuildState, LiveHooks

    page = tmp_path / "index.html"
    page.write_text("<html><body><p>Hi</p></body></html>")
    state = BuildState()
    hooks = LiveHooks(state)
    assert b'data-generation="0" defer></script></body>' in hooks.page(page)
    state.publish(driver.Outcome(ok=True, pages=1, seconds=0.1))
    assert b'data-generation="1"' in hooks.page(page)
    state.publish(driver.Outcome(ok=False, errors=["content/x.md:3: broken"]))
    assert b'data-generation="1"' in hooks.page(page)  # a failed build leaves the good one served
