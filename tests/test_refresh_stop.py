"""A stop request (SIGTERM from a scheduler, `timeout` or a CI cancel; Ctrl-C) ends the refresh and publishes nothing.

The refresh runs as the real command, `python -m pipelines.refresh`, against a mirror served on 127.0.0.1
whose UNODC file is held back (the server sends its first bytes and waits), so the stop arrives while a
download is under way. Before, Dagster turned the stop into a failed UNODC step, the degrade rule pinned
UNODC to its last good release and a second attempt published a new publication with UNODC "stale".
"""

import http.server
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from core.checksums import sha256_of
from core.settings import DataPaths
from pipelines.refresh import EXIT_STOPPED

REPO = Path(__file__).resolve().parent.parent
HELD = "/unodc/data_glotip.xlsx"


def _mirror_server(mirror: Path, asked: threading.Event, release: threading.Event) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = mirror / self.path.lstrip("/")
            if not path.is_file():
                self.send_error(404)
                return
            body = path.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.path == HELD:
                self.wfile.write(body[:1024])
                self.wfile.flush()
                asked.set()
                release.wait(60)
                return
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_request_ends_the_refresh_and_publishes_nothing(refreshed, mirror, tmp_path, stop):
    data = DataPaths(tmp_path / "data")
    shutil.copytree(refreshed.root, data.root, symlinks=True)
    published_before = sha256_of(data.published)
    kept_before = sorted(path.name for path in data.publications.iterdir())
    asked, release = threading.Event(), threading.Event()
    server = _mirror_server(mirror, asked, release)
    environment = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "TRAFFICKING_DATA_DIR": str(data.root),
        "TRAFFICKING_MIRROR": f"http://127.0.0.1:{server.server_address[1]}",
        "TRAFFICKING_DOWNLOAD_RETRIES": "0",
    }
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.refresh"], cwd=REPO, env=environment, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        assert asked.wait(120), "the refresh reached UNODC's download"
        time.sleep(0.5)
        process.send_signal(stop)
        output, _ = process.communicate(timeout=120)
    finally:
        release.set()
        server.shutdown()
        server.server_close()
    assert process.returncode == EXIT_STOPPED, output
    assert "stopped on request" in output and "nothing was published" in output, output
    assert "attempt 2" not in output, "no second attempt after a stop"
    assert sha256_of(data.published) == published_before, "the published file is exactly as it was"
    assert sorted(path.name for path in data.publications.iterdir()) == kept_before, "no publication added"
