"""The one download helper against a real HTTP server on 127.0.0.1 and a directory mirror."""

import dataclasses
import functools
import http.server
import re
import subprocess
import threading
import time
from pathlib import Path
from typing import ClassVar

import pytest
from named_files import named_files_site

from pipelines.download import (
    MAX_RETRY_AFTER_SECONDS,
    Announcement,
    Downloader,
    DownloadError,
    RemoteFile,
    fetch,
    http_session,
    sha256_of,
)
from pipelines.sources.iom_ctdc.assets import CTDC_SYNTHETIC
from reporting.texts import text
from reporting.words import reason_kind, reason_text

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


def assert_said_to_officials(message: str, kind: str) -> None:
    """The download's message (as the refresh records it) becomes the reason's sentence, without the address."""
    assert reason_kind(message) == kind
    said = reason_text(message, "unodc_glotip", "nb")
    assert said == text(f"reason.{kind}", "nb", publisher=text("publisher.unodc_glotip", "nb")) and "http" not in said


class _Publisher(http.server.BaseHTTPRequestHandler):
    """Plays a publisher on 127.0.0.1: `routes` maps a path to (status, body, seconds to wait first)."""

    routes: ClassVar[dict] = {}
    hits: ClassVar[dict] = {}

    def do_GET(self) -> None:
        self.hits[self.path] = self.hits.get(self.path, 0) + 1
        answers = self.routes.get(self.path, [(404, b"not found", 0)])
        status, body, delay, *headers = answers[min(self.hits[self.path], len(answers)) - 1]
        time.sleep(delay)
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers[0] if headers else {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def publisher():
    """Start a publisher with the given routes; yields a function routes -> base address."""
    servers = []

    def start(routes: dict) -> str:
        handler = type("Handler", (_Publisher,), {"routes": routes, "hits": {}})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _portal(base: str, link: str | None) -> bytes:
    anchor = f'<a href="{link}">Download the data (xlsx)</a>' if link else "<p>No data here today.</p>"
    return f"<!DOCTYPE html><html><body><h1>Trafficking in persons</h1>{anchor}</body></html>".encode()


def _glotip_at(base: str, known: tuple[str, ...] = ()) -> RemoteFile:
    """The real source's announcement rule, with its page on the local publisher."""
    from pipelines.sources.unodc_glotip.assets import GLOTIP

    announcement = Announcement(page=f"{base}/datareport/tip-victims", link=GLOTIP.announcement.link)
    return dataclasses.replace(GLOTIP, announcement=announcement, known_urls=known, url=f"{base}/old/data_glotip.xlsx")


def test_portal_page_leads_to_the_dated_file_and_names_the_release(mirror, publisher, tmp_path):
    workbook = (mirror / WORKBOOK.mirror_path).read_bytes()
    dated = "/sites/dataportal.unodc.org/files/2026-10/data_glotip.xlsx"
    routes = {"/datareport/tip-victims": [(200, _portal("", dated), 0)], dated: [(200, workbook, 0)]}
    base = publisher(routes)
    fetched = fetch(_glotip_at(base), tmp_path, start=f"{base}/datareport/tip-victims")
    assert fetched.release == "2026-10"
    assert fetched.fetched_from == base + dated
    assert fetched.sha256 == sha256_of(mirror / WORKBOOK.mirror_path)


def test_old_address_answering_html_and_a_page_without_link_fall_back_to_a_known_address(mirror, publisher, tmp_path):
    workbook = (mirror / WORKBOOK.mirror_path).read_bytes()
    routes = {
        "/datareport/tip-victims": [(200, _portal("", None), 0)],
        "/old/data_glotip.xlsx": [(200, b"<!DOCTYPE html><html><body>Moved</body></html>", 0)],
        "/files/2025-11/data_glotip.xlsx": [(200, workbook, 0)],
    }
    base = publisher(routes)
    remote = _glotip_at(base, known=(f"{base}/old/data_glotip.xlsx", f"{base}/files/2025-11/data_glotip.xlsx"))
    fetched = fetch(remote, tmp_path)
    assert fetched.fetched_from == f"{base}/files/2025-11/data_glotip.xlsx"
    assert fetched.url == fetched.fetched_from, "a known address of the publisher is cited as such"


def test_every_address_failing_names_each_with_its_answer(publisher, tmp_path):
    base = publisher({"/datareport/tip-victims": [(200, _portal("", None), 0)]})
    remote = _glotip_at(base, known=(f"{base}/gone/data_glotip.xlsx",))
    with pytest.raises(DownloadError) as raised:
        fetch(remote, tmp_path, session=http_session(retries=0))
    message = str(raised.value)
    assert "no address gave data_glotip.xlsx" in message
    assert f"{base}/datareport/tip-victims: the page links no file" in message
    assert f"{base}/gone/data_glotip.xlsx answered HTTP 404" in message
    assert not list(tmp_path.iterdir()), "nothing is left behind"


def test_a_transient_server_error_is_retried(mirror, publisher, tmp_path):
    workbook = (mirror / WORKBOOK.mirror_path).read_bytes()
    base = publisher({"/unodc/data_glotip.xlsx": [(503, b"busy", 0), (200, workbook, 0)]})
    fetched = fetch(WORKBOOK, tmp_path, base, session=http_session(retries=2, backoff_seconds=0.01))
    assert fetched.sha256 == sha256_of(mirror / WORKBOOK.mirror_path)


def test_a_slow_answer_times_out_naming_the_address(publisher, tmp_path):
    base = publisher({"/unodc/data_glotip.xlsx": [(200, b"late", 2)]})
    with pytest.raises(DownloadError, match=r"cannot download http://127\.0\.0\.1:\d+/unodc/data_glotip\.xlsx"):
        fetch(WORKBOOK, tmp_path, base, session=http_session(retries=0), timeout=0.5)


def test_the_per_source_setting_wins_over_the_mirror(mirror, publisher, tmp_path, monkeypatch):
    workbook = (mirror / WORKBOOK.mirror_path).read_bytes()
    base = publisher({"/mine/data_glotip.xlsx": [(200, workbook, 0)]})
    monkeypatch.setenv("TRAFFICKING_SOURCE_UNODC_GLOTIP", f"{base}/mine/data_glotip.xlsx")
    fetched = Downloader(mirror=str(tmp_path / "no-mirror-here")).fetch(WORKBOOK, tmp_path / "downloads")
    assert fetched.fetched_from == f"{base}/mine/data_glotip.xlsx" and not fetched.from_mirror


def test_a_retry_after_of_fifteen_minutes_is_waited_out_only_up_to_its_cap(mirror, publisher, tmp_path):
    workbook = (mirror / WORKBOOK.mirror_path).read_bytes()
    base = publisher({"/unodc/data_glotip.xlsx": [(429, b"slow down", 0, {"Retry-After": "900"}), (200, workbook, 0)]})
    started = time.monotonic()
    fetched = fetch(WORKBOOK, tmp_path, base, session=http_session(retries=2, max_retry_after=0.2))
    assert time.monotonic() - started < 10, "not the 900 s the server asked for"
    assert fetched.sha256 == sha256_of(mirror / WORKBOOK.mirror_path)


def test_every_session_caps_the_retry_after_it_honours():
    """The cap holds for the session every download shares, not only where a test sets it."""
    retry = http_session().get_adapter("https://").max_retries
    assert retry.respect_retry_after_header and retry.max_retry_after == MAX_RETRY_AFTER_SECONDS <= 60


class _Endless(http.server.BaseHTTPRequestHandler):
    """Sends bytes as fast as it can with no Content-Length (or a huge one), until the client hangs up."""

    stated: ClassVar[str | None] = None

    def do_GET(self) -> None:
        self.send_response(200)
        if self.stated:
            self.send_header("Content-Length", self.stated)
        self.end_headers()
        try:
            for _ in range(4096):  # at most 256 MiB
                self.wfile.write(b"x" * (1 << 16))
        except OSError:
            pass

    def log_message(self, *args) -> None:
        pass


@pytest.mark.parametrize("stated", [None, str(3 << 30)], ids=["no-length", "length-3-GiB"])
def test_an_answer_larger_than_a_file_may_be_is_refused_as_it_arrives(mirror, tmp_path, stated):
    previous = fetch(WORKBOOK, tmp_path, str(mirror))
    handler = type("Handler", (_Endless,), {"stated": stated})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        with pytest.raises(DownloadError, match=r"data_glotip\.xlsx: the answer is larger than allowed") as refused:
            fetch(WORKBOOK, tmp_path, base, session=http_session(retries=0), max_bytes=4 << 20)
        assert_said_to_officials(str(refused.value), "too_large")
    finally:
        server.shutdown()
        server.server_close()
    assert sha256_of(previous.path) == sha256_of(mirror / WORKBOOK.mirror_path), "the file before stays"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["data_glotip.xlsx"], "no partial file is left"


class _Trickle(http.server.BaseHTTPRequestHandler):
    """Sends a byte every 0.2 s for ever (bounded: at most 100 bytes), each well within the read timeout."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.end_headers()
        try:
            for _ in range(100):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass

    def log_message(self, *args) -> None:
        pass


def test_a_trickling_download_stops_at_its_deadline(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        started = time.monotonic()
        with pytest.raises(DownloadError, match=r"still going after its deadline of 1 s") as stopped:
            fetch(WORKBOOK, tmp_path, base, session=http_session(retries=0), timeout=5, deadline=1)
        assert_said_to_officials(str(stopped.value), "too_slow")
        assert time.monotonic() - started < 4
        assert not list(tmp_path.iterdir()), "the partial file is removed"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def tiny_disk(tmp_path):
    """A 512 KiB file system of its own (root can mount one; elsewhere the test is skipped, saying why)."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.decode().strip()}")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_is_named_as_such_not_blamed_on_the_mirror(mirror, tiny_disk):
    with pytest.raises(DownloadError, match=rf"cannot write the download into {tiny_disk}/downloads: No space left"):
        fetch(WORKBOOK, tiny_disk / "downloads", str(mirror))
    assert not [path for path in (tiny_disk / "downloads").iterdir()], "the partial file is removed"


def test_the_ctdc_page_pattern_finds_the_dataset_and_not_its_codebook():
    page = (
        '<a href="/sites/files/Codebook_CTDC_global_synthetic_data_v2024.pdf">Codebook</a>'
        '<a href="/sites/files/CTDC_global_synthetic_data_v2024.csv">Data</a>'
    )
    found = re.search(CTDC_SYNTHETIC.announcement.link, page)
    assert found["url"] == "/sites/files/CTDC_global_synthetic_data_v2024.csv" and found["release"] == "v2024"


def portal_page(*folders: str) -> str:
    """A data portal page linking the workbook under each dated folder, in the order given."""
    links = "".join(
        f'<a href="/sites/dataportal.unodc.org/files/{folder}/data_glotip.xlsx">x</a>' for folder in folders
    )
    return f"<html><body>{links}</body></html>"


def linked_release(html: str) -> str:
    from pipelines.download import newest_release
    from pipelines.sources.unodc_glotip.assets import GLOTIP

    matches = list(re.finditer(GLOTIP.announcement.link, html))
    return newest_release(matches, "the portal").group("release")


def test_discovery_takes_the_newest_release_the_page_links_not_the_first():
    assert linked_release(portal_page("2023-01", "2025-11", "2024-06")) == "2025-11"


def test_a_release_dated_in_the_future_is_refused():
    assert linked_release(portal_page("2099-12", "2025-11")) == "2025-11"
    with pytest.raises(DownloadError, match=r"dated in the future: \['2099-12'\]"):
        linked_release(portal_page("2099-12"))


def test_a_release_older_than_the_last_good_one_does_not_replace_it_unless_the_operator_says_so():
    from pipelines.raw import going_back
    from pipelines.releases import ACCEPT_OLDER_TAG

    record = {"source_id": "unodc_glotip", "release": "2019-01", "local_path": "/d/unodc/data_glotip.xlsx"}
    last_good = [{"release": "2025-11"}]
    said = going_back(record, last_good, {})
    assert said and "data_glotip.xlsx: release 2019-01 is older than the last good release 2025-11" in said
    assert going_back(record, last_good, {ACCEPT_OLDER_TAG: "unodc_glotip"}) is None
    assert going_back({**record, "release": "2026-01"}, last_good, {}) is None, "a newer release replaces it"
    assert going_back({**record, "release": "sha256:0123456789ab"}, last_good, {}) is None, "no date to compare"
    assert going_back(record, [], {}) is None, "nothing to go back from on a first refresh"


@pytest.mark.parametrize("refuse_head", [None, 405, 501], ids=["head", "head-405", "head-501"])
def test_a_page_that_links_only_node_downloads_is_followed_to_the_newest_release(mirror, tmp_path, refuse_head):
    """Each download address is asked for its file's name: with HEAD, or where the server refuses HEAD, with a GET of
    the first byte (never the whole file)."""
    records = (mirror / CTDC_SYNTHETIC.mirror_path).read_bytes()
    page = (
        b'<!DOCTYPE html><html><body><a href="/node/17/download">Codebook</a> '
        b'<a href="/node/18/download">Data (2024)</a> <a href="/node/19/download">Data</a></body></html>'
    )
    files = {
        "/dataset/resource/microdata": (None, page),
        "/node/17/download": ("Codebook_CTDC_global_synthetic_data_v2025.pdf", b"%PDF-1.7 codebook"),
        "/node/18/download": ("CTDC_global_synthetic_data_v2024.csv", records),
        "/node/19/download": ("CTDC_global_synthetic_data_v2025_0.csv", records),
    }
    asked: list[tuple[str, str, str | None]] = []
    with named_files_site(files, refuse_head, asked) as site:
        start = f"{site}/dataset/resource/microdata"
        fetched = fetch(CTDC_SYNTHETIC, tmp_path, start=start, session=http_session(retries=0))
    assert fetched.fetched_from.endswith("/node/19/download") and fetched.release == "v2025"
    assert fetched.sha256 == sha256_of(mirror / CTDC_SYNTHETIC.mirror_path)
    names_asked = [(method, byte_range) for method, path, byte_range in asked if path == "/node/18/download"]
    assert names_asked == ([("HEAD", None)] if refuse_head is None else [("HEAD", None), ("GET", "bytes=0-0")])


@pytest.mark.parametrize(
    ("name", "release"),
    [("CTDC_global_synthetic_data_v2024.csv", "v2024"), ("ctdc_global_synthetic_data_v2026.csv", "v2026"),
     ("CTDC_global_synthetic_data_v2025_1.csv", "v2025"), ("CTDC_synthetic_20210825.tsv", "20210825"),
     ("Codebook_CTDC_global_synthetic_data_v2024.pdf", None)],
)  # fmt: skip
def test_the_ctdc_file_names_of_every_release_are_recognised(name, release):
    found = re.search(CTDC_SYNTHETIC.announcement.link, f'<a href="/files/{name}">')
    assert (found.group("release") if found else None) == release
