"""The dashboard in a real headless browser: Debian's chromium, driven by Playwright (no browser download).

Every page, in both languages, at a desktop and a phone's width, on the published states a reader meets
most (the mirror's fresh publication, a data dir that has lived a year); every page at desktop width on a
fresh offline machine, in Norwegian; and the pages that say what differs in two more states (every
downloaded source gone stale; a publication that revised a figure): no traceback or error box, `<html lang>`
following the language, the page's title in the browser tab, zero axe-core violations of the WCAG
2.0/2.1 A and AA rules, no table drawn on a canvas, and none of the developer's words
(`browser_checks.FORBIDDEN`) in the visible text, tables' cells included. Screenshots of the mirror state go to
`tests/artifacts/` (and, with `UPDATE_SCREENSHOTS=1`, to `docs/screenshots/`).
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from browser_checks import axe_violations, developer_words
from built_once import built_once
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from published_states import lived_in, offline, revised, stale

from core.settings import DataPaths
from dashboard.headless import CHROMIUM, CHROMIUM_ARGS, streamlit_server, wait_until_drawn
from dashboard.pages import PAGES as APP_PAGES
from reporting.texts import texts

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "tests" / "artifacts"
SCREENSHOTS = REPO / "docs" / "screenshots"
WIDTHS = {"desktop": 1280, "phone": 390}
LANGUAGES = ("nb", "en")
pytestmark = [pytest.mark.browser, pytest.mark.refresh]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


ALL_PAGES = tuple(address for _, _, address in APP_PAGES)
CHECKED = {
    "mirror": (ALL_PAGES, LANGUAGES, ("desktop", "phone")),
    "lived-in": (ALL_PAGES, LANGUAGES, ("desktop", "phone")),
    "offline": (ALL_PAGES, ("nb",), ("desktop",)),
    "stale": (("oversikt", "definisjoner-og-kilder", "om-statistikken"), LANGUAGES, ("desktop",)),
    "revised": (("oversikt", "ofre", "straffesakskjeden", "endringer"), LANGUAGES, ("desktop",)),
}
"""Per published state: the pages checked, in which languages, at which widths.

Every page in both languages at both widths on the states officials meet most, the fresh publication (mirror)
and one that has lived a year (issue 33). The phone pass narrows the same loaded page: axe-core's rules read the
DOM and its computed styles, and narrowing changes the layout, not the DOM, which those two states cover. A fresh
offline machine has every page, in Norwegian (what its pages leave out is the same in English). Two states differ
from the mirror's in what some pages say, not in how a page is built, and are checked where they say it: every
source stale in the status banner (the same component on every page, drawn on Oversikt), the sources' statuses
and the release calendar; a revised figure in the revision marks beside values (Oversikt, Ofre,
Straffesakskjeden) and on Endringer."""
STATES = tuple(CHECKED)


@pytest.fixture
def state(request) -> DataPaths:
    """The published state named by the test's parameter, through the real refresh. Each state is built once per
    test run, when a test first asks for it, and shared by the xdist workers: a worker builds only the states
    its own tests show (the mirror state is the session's refresh)."""
    if request.param == "mirror":
        return request.getfixturevalue("refreshed")
    mirror, factory = request.getfixturevalue("mirror"), request.getfixturevalue("tmp_path_factory")
    builders = {
        "offline": lambda folder: offline(folder / "data"),
        "stale": lambda folder: stale(request.getfixturevalue("refreshed"), folder / "data"),
        "revised": lambda folder: revised(request.getfixturevalue("refreshed"), folder / "data", mirror, folder),
        "lived-in": lambda folder: lived_in(folder / "data", mirror, folder / "inputs"),
    }
    return DataPaths(built_once(factory, f"state-{request.param}", builders[request.param]) / "data")


def problems_on(page, url: str, language: str, title: str) -> list[str]:
    """Everything a reader should not meet on the page at `url`, one line each (the page is left loaded); `title`
    is the page's own, which the browser tab must name."""
    page.goto(url, wait_until="domcontentloaded")
    try:
        wait_until_drawn(page)
    except PlaywrightTimeout as error:
        return [f"not drawn within the time allowed: {str(error).splitlines()[0]}"]
    found = []
    if page.locator("[data-testid='stException']").count():
        found.append("an exception box")
    if page.locator("[role='dialog']").count():  # e.g. Streamlit's English "Page not found" for an unknown address
        found.append(f"a dialog box over the page: {page.locator('[role=dialog]').first.inner_text()[:80]!r}")
    try:
        page.wait_for_function("lang => document.documentElement.lang === lang", arg=language, timeout=5_000)
    except PlaywrightTimeout:
        pass
    declared = page.evaluate("document.documentElement.lang")
    if declared != language:
        found.append(f"<html lang={declared!r}>, not {language!r}")
    if title not in page.title():
        found.append(f"the browser tab reads {page.title()!r}, not the page's title {title!r}")
    return found + reading_problems(page, language)


def reading_problems(page, language: str) -> list[str]:
    """The developer's words in the visible text, and axe-core's WCAG violations, on the page as it is now."""
    words = developer_words(page.inner_text("body"), language)
    found = [f"{what}: {lines[:3]}" for what, lines in words.items()]
    if grids := page.locator("[data-testid='stDataFrame'] >> visible=true").count():
        found.append(f"{grids} table(s) drawn on a canvas, whose cells neither wrap nor reach this test")
    return found + [f"axe {v['id']} ({v['impact']}): {v['help']} at {v['targets'][:2]}" for v in axe_violations(page)]


@pytest.mark.parametrize("state", STATES, indirect=True)
def test_every_page_in_both_languages_and_widths_reads_well_and_meets_wcag(state, browser, request, tmp_path):
    """Each page of `CHECKED` is loaded at desktop width and checked, then (where `CHECKED` says) narrowed to a
    phone's width and checked again (the same page, laid out again by the browser: the layout rules are the page's
    CSS, not a new load)."""
    found, name = {}, request.node.callspec.params["state"]
    pages, languages, widths = CHECKED[name]
    assert set(pages) <= set(ALL_PAGES), "a page no longer there"
    with streamlit_server(state.root, tmp_path / "server.log") as server:
        page = browser.new_page(viewport={"width": WIDTHS["desktop"], "height": 900})
        try:
            for _, title_key, address in APP_PAGES:
                if address not in pages:
                    continue
                for language in languages:
                    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})
                    title = texts()[title_key][language]
                    if problems := problems_on(page, f"{server}/{address}?lang={language}", language, title):
                        found[f"{address} {language} desktop"] = problems
                    screenshot = name == "mirror" and language == "nb"
                    if screenshot:
                        save_screenshot(page, f"{address}-desktop.png")
                    if "phone" not in widths:
                        continue
                    page.set_viewport_size({"width": WIDTHS["phone"], "height": 844})
                    laid_out_again(page, charts_redrawn=screenshot)
                    if problems := reading_problems(page, language):
                        found[f"{address} {language} phone"] = problems
                    if screenshot:
                        save_screenshot(page, f"{address}-phone.png")
        finally:
            page.close()
    assert not found, found


def laid_out_again(page, charts_redrawn: bool) -> None:
    """Wait until the browser has laid the page out at its new size: two animation frames; for a screenshot also
    Plotly's redraw of its charts, which it does a moment after the window's resize event."""
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    if charts_redrawn:
        page.wait_for_timeout(300)


def save_screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name))


@contextmanager
def served_page(data: DataPaths, browser, tmp_path: Path) -> Iterator[tuple[str, object]]:
    """The dashboard served from `data` and a desktop-sized tab for it: (the dashboard's address, the tab)."""
    with streamlit_server(data.root, tmp_path / "server.log") as server:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        try:
            yield server, page
        finally:
            page.close()


@pytest.mark.parametrize("state", ["revised"], indirect=True)
def test_the_revised_figure_is_marked_beside_its_value(state, browser, tmp_path):
    """The revised state changed one of KOM's yearly figures: Endringer counts it, and names no publication by id."""
    with served_page(state, browser, tmp_path) as (server, page):
        page.goto(f"{server}/endringer?lang=nb", wait_until="networkidle")
        wait_until_drawn(page)
        body = page.inner_text("body")
        assert texts()["changes.count_revised"]["nb"] in body
        assert "Publiseringen " in body and " kl. " in body, "publications named by their time"


def test_language_switch_in_the_browser(refreshed, browser, tmp_path):
    with served_page(refreshed, browser, tmp_path) as (server, page):
        page.goto(f"{server}/straffesakskjeden", wait_until="networkidle")
        page.get_by_role("heading", name="Straffesakskjeden", exact=True).first.wait_for(timeout=30_000)
        wait_until_drawn(page)
        assert page.evaluate("document.documentElement.lang") == "nb"
        page.get_by_text("English", exact=True).click()
        page.get_by_role("heading", name="The justice chain", exact=True).first.wait_for(timeout=30_000)
        chart_title, norwegian = (texts()["justice.chain_title"][lang].split("{")[0] for lang in ("en", "nb"))
        page.get_by_role("heading", name=chart_title).first.wait_for(timeout=30_000)
        page.wait_for_function("title => !document.body.innerText.includes(title)", arg=norwegian)
        wait_until_drawn(page)
        # the whole page reran in English, not only its first heading, and says so to screen readers
        assert norwegian not in page.inner_text("body")
        assert page.evaluate("document.documentElement.lang") == "en"
        assert "lang=en" in page.url, "the address keeps the language, so a link opens in English"


def test_the_print_view_leaves_out_the_sidebar(refreshed, browser, tmp_path):
    """Printed (CSS `@media print`), a page is its content only: no sidebar, its title and key figures still there."""
    with served_page(refreshed, browser, tmp_path) as (server, page):
        page.goto(f"{server}/oversikt?lang=nb", wait_until="domcontentloaded")
        wait_until_drawn(page)
        sidebar = page.locator("[data-testid='stSidebar']")
        assert sidebar.is_visible(), "on the screen the sidebar is there"
        page.emulate_media(media="print")
        assert not sidebar.is_visible()
        assert page.get_by_role("heading", name=texts()["page.overview"]["nb"], exact=True).first.is_visible()
        assert page.get_by_role("heading", name=texts()["main.title"]["nb"], exact=True).first.is_visible()


def test_an_address_that_names_no_page_opens_the_start_page_saying_so_in_the_readers_language(
    refreshed, browser, tmp_path
):
    """An old bookmark (`/finnes-ikke`): Streamlit opens the start page under its error box, whose words are the
    text catalogue's in the reader's language, not Streamlit's English; the box and the page meet WCAG."""
    with served_page(refreshed, browser, tmp_path) as (server, page):
        for language in LANGUAGES:  # each load a new session, which takes its language from the address
            page.goto(f"{server}/finnes-ikke?lang={language}", wait_until="domcontentloaded")
            wait_until_drawn(page)
            box = page.locator("[role='dialog']")
            box.get_by_text(texts()["widget.page_not_found_said"][language]).wait_for(timeout=10_000)
            assert box.get_by_role("heading").inner_text() == texts()["widget.page_not_found"][language]
            assert box.get_by_role("button").get_attribute("aria-label") == texts()["widget.close"][language]
            assert not developer_words(box.inner_text(), language)
            assert not reading_problems(page, language), language
