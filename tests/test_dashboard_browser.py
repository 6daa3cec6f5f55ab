"""The dashboard in a real headless browser: Debian's chromium, driven by Playwright (no browser download).

Starts `streamlit run dashboard/app.py` against the session's published marts, opens every page in
Norwegian (and one in English), checks that its title and a chart rendered without an error
box, and saves a screenshot of each page to `tests/artifacts/`.
"""

from pathlib import Path

import pytest

from dashboard.headless import CHROMIUM, CHROMIUM_ARGS, PAGES, PLOTLY_CHART, streamlit_server
from reporting.texts import texts

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "tests" / "artifacts"

pytestmark = pytest.mark.browser

BROWSER_PAGES = (
    *PAGES,
    ("morketall", "Mørketall", PLOTLY_CHART),
    ("endringer", "Endringer", "[data-testid='stDataFrame']"),
)
"""Every page: the shared list, the dark-figure page (its content: the examples chart) and the changes page (its
list of kept publications)."""


@pytest.fixture(scope="module")
def server(refreshed, tmp_path_factory):
    with streamlit_server(refreshed.root, tmp_path_factory.mktemp("streamlit") / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.mark.parametrize(("address", "title", "content"), BROWSER_PAGES)
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
        # the whole page reran in English, not only its first heading
        chart_title = texts()["justice.chain_title"]["en"]
        page.get_by_role("heading", name=chart_title, exact=True).first.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        assert texts()["justice.chain_title"]["nb"] not in page.inner_text("body")
        assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(ARTIFACTS / "straffesakskjeden-en.png"), full_page=True)
    finally:
        page.close()
