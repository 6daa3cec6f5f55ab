"""The dashboard in a real headless browser: Debian's chromium, driven by Playwright (no browser download).

Starts `streamlit run dashboard/app.py` against the session's published marts, opens every page in
Norwegian (and one in English), checks that its title and a chart rendered without an error
box, and saves a screenshot of each page to `tests/artifacts/`.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "tests" / "artifacts"
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
PLOTLY_CHART = ".js-plotly-plot"
PAGES = (
    ("", "Oversikt", "[data-testid='stMetric']"),
    ("ofre", "Ofre", PLOTLY_CHART),
    ("straffesakskjeden", "Straffesakskjeden", PLOTLY_CHART),
    ("norge-i-verden", "Norge i verden", PLOTLY_CHART),
    ("definisjoner-og-kilder", "Definisjoner og kilder", "[data-testid='stDataFrame']"),
    ("eksport", "Eksport", "[data-testid='stButton']"),
)
"""(address, Norwegian title, an element the page shows once its content has rendered)."""

pytestmark = pytest.mark.browser


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


@pytest.fixture(scope="module")
def server(refreshed, tmp_path_factory):
    port = _free_port()
    environment = {**os.environ, "TRAFFICKING_DATA_DIR": str(refreshed.root), "PYTHONPATH": str(REPO)}
    log = (tmp_path_factory.mktemp("streamlit") / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(REPO / "dashboard" / "app.py"),
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=REPO,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/_stcore/health", 60)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.mark.parametrize(("address", "title", "content"), PAGES)
def test_every_page_renders_in_chromium(server, browser, address, title, content):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{server}/{address}", wait_until="networkidle")
        page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=30_000)
        page.locator(content).first.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)  # let the charts finish drawing before the screenshot
        assert page.locator("[data-testid='stException']").count() == 0
        assert "Traceback" not in page.inner_text("body")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{address or 'oversikt'}.png"), full_page=True)
    finally:
        page.close()


def test_language_switch_in_the_browser(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{server}/straffesakskjeden", wait_until="networkidle")
        page.get_by_role("heading", name="Straffesakskjeden", exact=True).first.wait_for(timeout=30_000)
        page.get_by_text("English", exact=True).click()
        page.get_by_role("heading", name="The justice chain", exact=True).first.wait_for(timeout=30_000)
        assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(ARTIFACTS / "straffesakskjeden-en.png"), full_page=True)
    finally:
        page.close()
