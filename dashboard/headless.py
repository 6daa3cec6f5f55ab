"""The dashboard served on 127.0.0.1 and a headless Debian chromium for it: shared by the browser tests and benchmarks.

Playwright drives the system's chromium through `executable_path`; it never downloads a browser.
The flags keep chromium from reaching for the network (this machine's network is closed).
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"the dashboard did not answer at {url} within {seconds} s")


DRAWN = """() => !!document.querySelector("[data-testid='page-drawn']")
    && !document.querySelector("[data-testid='stStatusWidget']")
    && document.querySelectorAll("[data-testid='stSkeleton']").length === 0
    && [...document.querySelectorAll('.js-plotly-plot')].every(plot => plot.querySelector('.main-svg'))"""
"""True once the page's script has run to its end (the app's page-drawn mark), Streamlit shows nothing as still
running or loading, and every Plotly chart has drawn."""


def wait_until_drawn(page, timeout_ms: int = 60_000) -> None:  # noqa: ANN001 - a Playwright page
    """Wait until the page has finished drawing (`DRAWN`), checked on every animation frame.

    One check, not a chain of `wait_for_selector` calls: Playwright retries a selector at growing intervals
    (up to half a second), which added 0.3-0.5 s to every measured page load.
    """
    page.wait_for_function(DRAWN, timeout=timeout_ms)


@contextmanager
def streamlit_server(data_dir: Path, log_path: Path | None = None, script: Path | None = None) -> Iterator[str]:
    """`streamlit run dashboard/app.py` (or `script`) reading `data_dir`'s published marts; yields its base URL."""
    port = _free_port()
    environment = {**os.environ, "TRAFFICKING_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)}
    command = [
        sys.executable, "-m", "streamlit", "run", str(script or REPO / "dashboard" / "app.py"),
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
    ]  # fmt: skip
    with open(log_path or os.devnull, "w") as log:
        process = subprocess.Popen(command, cwd=REPO, env=environment, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_for(f"http://127.0.0.1:{port}/_stcore/health", 60)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=20)
