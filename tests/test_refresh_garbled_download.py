"""A garbled download through the real refresh: the run fails naming the file, the published marts stay as they were."""

import functools
import hashlib
import http.server
import threading
from pathlib import Path

import pytest

from pipelines.refresh import failures, run_refresh_in


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


def test_html_page_instead_of_workbook_fails_and_keeps_published_file(tmp_path, mirror, http_mirror):
    data_dir = tmp_path / "data"
    assert run_refresh_in(data_dir, str(mirror)).success
    published = data_dir / "marts" / "trafficking.duckdb"
    downloaded = data_dir / "downloads" / "unodc" / "data_glotip.xlsx"
    before, before_download = _sha256(published), _sha256(downloaded)

    result = run_refresh_in(data_dir, http_mirror)

    assert not result.success
    messages = "\n".join(failures(result))
    assert "raw__unodc_glotip" in messages and "data_glotip.xlsx" in messages and "HTML page" in messages
    assert _sha256(published) == before
    assert _sha256(downloaded) == before_download
