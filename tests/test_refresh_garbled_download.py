"""A garbled download through the real refresh: the source stays at its last good release, the rest is published."""

import functools
import hashlib
import http.server
import shutil
import threading
from pathlib import Path

import duckdb
import pytest

from core.sources import of_kind
from pipelines.refresh import EXIT_DEGRADED, refresh


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def http_mirror(tmp_path: Path, mirror: Path):
    """The mirror served from 127.0.0.1, with the UNODC workbook replaced by an HTML error page."""
    site = tmp_path / "site"
    for path in mirror.rglob("*"):
        if path.is_file():
            target = site / path.relative_to(mirror)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)
    workbook = site / "unodc" / "data_glotip.xlsx"
    workbook.unlink()
    workbook.write_text("<!DOCTYPE html><html><head><title>503</title></head><body>Service Unavailable</body></html>")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _unodc_facts(path: Path) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute("SELECT * FROM fact_indicator WHERE source = 'unodc_glotip' ORDER BY ALL").fetchall()


@pytest.mark.refresh
def test_html_page_instead_of_workbook_keeps_the_last_good_release_and_publishes(tmp_path, http_mirror, refreshed):
    data_dir = tmp_path / "data"
    shutil.copytree(refreshed.root, data_dir, symlinks=True)  # a good publication from the mirror: the session's
    published = data_dir / "marts" / "trafficking.duckdb"
    downloaded = data_dir / "downloads" / "unodc" / "data_glotip.xlsx"
    before, before_download = _unodc_facts(published), _sha256(downloaded)

    outcome = refresh(data_dir, http_mirror)

    assert outcome.exit_code == EXIT_DEGRADED and len(outcome.attempts) == 1, "a failed download degrades in-run"
    status = {source: (state, reason) for source, state, _, reason, _ in outcome.statuses()}
    state, reason = status["unodc_glotip"]
    assert state == "stale" and "data_glotip.xlsx" in reason and "HTML page" in reason
    assert _unodc_facts(published) == before
    assert _sha256(downloaded) == before_download, "the garbled download never replaced the file"


@pytest.mark.refresh
def test_a_fresh_data_dir_without_any_source_publishes_the_curated_tables(tmp_path):
    data_dir = tmp_path / "data"
    nowhere = tmp_path / "empty-mirror"
    nowhere.mkdir()

    outcome = refresh(data_dir, str(nowhere))

    assert outcome.exit_code == EXIT_DEGRADED
    status = {source: state for source, state, *_ in outcome.statuses()}
    curated = {entry.source_id for entry in of_kind("curated")}
    assert curated >= {"kom", "ilo"}
    assert status == {
        entry.source_id: "current" if entry.source_id in curated else "absent"
        for entry in of_kind("curated", "download", "api")
    }, "the curated tables published, every other source of the register absent"
    with duckdb.connect(str(outcome.published_file), read_only=True) as connection:
        sources = {row[0] for row in connection.execute("SELECT DISTINCT source FROM fact_indicator").fetchall()}
    assert sources == curated


def unodc_portal(site: Path, mirror: Path, *folders: str) -> None:
    """A local portal playing UNODC's: its report page links the workbook under each dated folder, in order."""
    for folder in folders:
        dated = site / "sites" / "dataportal.unodc.org" / "files" / folder / "data_glotip.xlsx"
        dated.parent.mkdir(parents=True, exist_ok=True)
        if not dated.exists():
            dated.symlink_to(mirror / "unodc" / "data_glotip.xlsx")
    page = site / "datareport" / "tip-victims"
    page.parent.mkdir(parents=True, exist_ok=True)
    links = "".join(
        f'<a href="/sites/dataportal.unodc.org/files/{folder}/data_glotip.xlsx">Download</a>' for folder in folders
    )
    page.write_text(f"<!DOCTYPE html><html><body>{links}</body></html>")


@pytest.mark.refresh
def test_the_refresh_finds_a_moved_unodc_file_from_the_portal_page(tmp_path, mirror, monkeypatch):
    """A local portal plays UNODC's: its report page links the workbook under a new dated folder."""
    site = tmp_path / "portal"
    unodc_portal(site, mirror, "2026-10")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        monkeypatch.setenv("TRAFFICKING_SOURCE_UNODC_GLOTIP", f"{base}/datareport/tip-victims")
        outcome = refresh(tmp_path / "data", str(mirror))
    finally:
        server.shutdown()
        server.server_close()
    status = {source: (state, release) for source, state, release, *_ in outcome.statuses()}
    assert status["unodc_glotip"] == ("current", "2026-10")
    with duckdb.connect(str(outcome.published_file), read_only=True) as connection:
        (fetched_from,) = connection.execute(
            "SELECT fetched_from FROM provenance WHERE source_id = 'unodc_glotip'"
        ).fetchone()
        facts = connection.execute("SELECT count(*) FROM fact_indicator WHERE source = 'unodc_glotip'").fetchone()[0]
    assert fetched_from == f"{base}/sites/dataportal.unodc.org/files/2026-10/data_glotip.xlsx" and facts > 0


@pytest.mark.refresh
def test_a_portal_that_goes_back_to_an_older_release_leaves_unodc_at_its_last_good_one(tmp_path, mirror, monkeypatch):
    """First the portal links 2023-01 before 2025-11 (the newest is taken); then it links only 2019-01: the older
    release does not replace the last good one, and the figures published stay exactly as they were."""
    site = tmp_path / "portal"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv(
            "TRAFFICKING_SOURCE_UNODC_GLOTIP", f"http://127.0.0.1:{server.server_address[1]}/datareport/tip-victims"
        )
        unodc_portal(site, mirror, "2023-01", "2025-11")
        first = refresh(tmp_path / "data", str(mirror))
        before = published_unodc(first.published_file)
        unodc_portal(site, mirror, "2019-01")
        second = refresh(tmp_path / "data", str(mirror))
    finally:
        server.shutdown()
        server.server_close()
    assert {source: release for source, _, release, *_ in first.statuses()}["unodc_glotip"] == "2025-11"
    status = {source: (state, release, reason) for source, state, release, reason, _ in second.statuses()}
    state, release, reason = status["unodc_glotip"]
    assert (state, release) == ("stale", "2025-11")
    assert "release 2019-01 is older than the last good release 2025-11" in reason
    assert published_unodc(second.published_file) == before


def published_unodc(path: Path) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute("SELECT * FROM fact_indicator WHERE source = 'unodc_glotip' ORDER BY ALL").fetchall()
