"""The one download helper against a real HTTP server on 127.0.0.1 and a directory mirror."""

import functools
import http.server
import threading
from pathlib import Path

import pytest

from pipelines.download import DownloadError, RemoteFile, fetch, sha256_of

WORKBOOK = RemoteFile(
    source_id="unodc_glotip",
    publication="test",
    url="https://example.invalid/data_glotip.xlsx",
    mirror_path="unodc/data_glotip.xlsx",
    kinds=("xlsx",),
)


@pytest.fixture
def served(tmp_path: Path):
    """An HTTP server on 127.0.0.1 serving `tmp_path/site`, laid out like the mirror."""
    site = tmp_path / "site"
    (site / "unodc").mkdir(parents=True)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_directory_mirror_records_checksum_and_size(mirror, tmp_path):
    fetched = fetch(WORKBOOK, tmp_path / "downloads", str(mirror))
    original = mirror / WORKBOOK.mirror_path
    assert fetched.from_mirror and fetched.kind == "xlsx"
    assert fetched.sha256 == sha256_of(original)
    assert fetched.size_bytes == original.stat().st_size
    assert fetched.path.read_bytes() == original.read_bytes()


def test_http_mirror_serves_the_workbook(mirror, served, tmp_path):
    site, base = served
    (site / WORKBOOK.mirror_path).write_bytes((mirror / WORKBOOK.mirror_path).read_bytes())
    fetched = fetch(WORKBOOK, tmp_path / "downloads", base)
    assert fetched.fetched_from == f"{base}/{WORKBOOK.mirror_path}"
    assert fetched.url == WORKBOOK.url, "the official address is kept for citation"
    assert fetched.sha256 == sha256_of(mirror / WORKBOOK.mirror_path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<!DOCTYPE html><html><body>Service unavailable</body></html>", "HTML page"),
        (b"", "empty"),
        (None, "truncated or damaged"),
        (b"just some text, not a workbook", "not a valid xlsx"),
    ],
    ids=["html-error-page", "empty-body", "truncated-workbook", "plain-text"],
)
def test_bad_download_is_refused_and_previous_file_kept(mirror, served, tmp_path, body, message):
    site, base = served
    good = (mirror / WORKBOOK.mirror_path).read_bytes()
    downloads = tmp_path / "downloads"
    (site / WORKBOOK.mirror_path).write_bytes(good)
    previous = fetch(WORKBOOK, downloads, base)
    (site / WORKBOOK.mirror_path).write_bytes(good[: len(good) // 2] if body is None else body)
    with pytest.raises(DownloadError, match=message):
        fetch(WORKBOOK, downloads, base)
    assert sha256_of(previous.path) == sha256_of(mirror / WORKBOOK.mirror_path)
    assert sorted(path.name for path in downloads.iterdir()) == ["data_glotip.xlsx"]


def test_http_error_names_the_address(served, tmp_path):
    _, base = served
    with pytest.raises(DownloadError, match=r"127\.0\.0\.1.*HTTP 404"):
        fetch(WORKBOOK, tmp_path / "downloads", base)


class _CutOffHandler(http.server.BaseHTTPRequestHandler):
    """States a Content-Length `missing` bytes larger than the body it sends, then closes."""

    body = b""
    missing = 1000

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body) + self.missing))
        self.end_headers()
        self.wfile.write(self.body)
        self.close_connection = True

    def log_message(self, *args) -> None:
        pass


def test_cut_off_download_is_refused_and_previous_file_kept(mirror, served, tmp_path):
    site, base = served
    good = (mirror / WORKBOOK.mirror_path).read_bytes()
    downloads = tmp_path / "downloads"
    (site / WORKBOOK.mirror_path).write_bytes(good)
    previous = fetch(WORKBOOK, downloads, base)
    # The whole workbook arrives, so only the stated length can tell that bytes are missing.
    handler = type("Handler", (_CutOffHandler,), {"body": good})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        cut_off_base = f"http://127.0.0.1:{server.server_address[1]}"
        expected = rf"data_glotip\.xlsx: the download was cut off: {len(good)} bytes arrived of the {len(good) + 1000}"
        with pytest.raises(DownloadError, match=expected):
            fetch(WORKBOOK, downloads, cut_off_base)
    finally:
        server.shutdown()
        server.server_close()
    assert sha256_of(previous.path) == sha256_of(mirror / WORKBOOK.mirror_path)
    assert sorted(path.name for path in downloads.iterdir()) == ["data_glotip.xlsx"]
