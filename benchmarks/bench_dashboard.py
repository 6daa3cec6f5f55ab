"""Benchmark: each page's time to finish drawing against a bare Streamlit page with one Plotly chart, and queries.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_dashboard.py [--repeat 3] [--data-dir DIR]

Serves `dashboard/app.py` with Streamlit on 127.0.0.1 against a published file (refreshing from
the mirror into a temporary data dir unless `--data-dir` names one), and opens each page in
Debian's headless chromium (Playwright, no browser download): the time from navigation until the
page's content element is visible, and the server's own share (the page script run through
Streamlit's testing API, tables cached). "Cold" is the first page load after the server started (the
published tables are read then); "warm" is the median of later loads (the tables come from
Streamlit's cache). Each query the pages run is timed alone against the published file.

Side by side in one browser, alternating: every page in both languages, loaded until it has finished
drawing (the app's page-drawn mark and every Plotly chart drawn), against a bare Streamlit page with
one Plotly chart served the same way. The floor is 1.2 times the bare page (issue 20).
Prints Markdown tables for docs/BENCHMARKS.md.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench_ctdc import median_seconds  # noqa: E402 - beside this file

from core.settings import DataPaths  # noqa: E402
from dashboard.headless import CHROMIUM, CHROMIUM_ARGS, PAGES, streamlit_server, wait_until_drawn  # noqa: E402
from dashboard.pages import PAGES as APP_PAGES  # noqa: E402
from dashboard.ui import PUBLISHED_TABLES  # noqa: E402
from pipelines.refresh import failures, run_refresh_in  # noqa: E402
from reporting.published import open_published  # noqa: E402

MIRROR = REPO.parent / "shared" / "data"
PAGE_FILES = [f"views/{name}.py" for name in ("overview", "victims", "justice", "world", "sources", "export")]


def query_timings(published: Path, repeat: int) -> dict[str, float]:
    """Median seconds to read each published table the pages use, one query at a time."""
    connection = open_published(published)
    try:
        present = {
            name for (name,) in connection.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
        return {
            name: median_seconds(lambda name=name: connection.sql(f'SELECT * FROM "{name}"').pl(), repeat)
            for name in PUBLISHED_TABLES
            if name in present
        }
    finally:
        connection.close()


def script_timings(data_dir: Path, repeat: int) -> dict[str, float]:
    """Median seconds for the server to run each page's script (Streamlit's testing API, tables cached)."""
    import os

    from streamlit.testing.v1 import AppTest

    os.environ["TRAFFICKING_DATA_DIR"] = str(data_dir)
    app_file = str(REPO / "dashboard" / "app.py")
    timings = {}
    for (address, _title, _content), page in zip(PAGES, PAGE_FILES, strict=True):
        app = AppTest.from_file(app_file, default_timeout=120).run()
        app.switch_page(page).run()
        timings[address or "oversikt"] = median_seconds(app.run, repeat)
    return timings


def page_timings(data_dir: Path, repeat: int) -> dict[str, tuple[float, float]]:
    """(cold, warm median) seconds from navigation to visible content, per page."""
    from playwright.sync_api import sync_playwright

    timings: dict[str, tuple[float, float]] = {}
    with streamlit_server(data_dir) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for address, _title, content in PAGES:
            seconds = []
            for _ in range(repeat + 1):
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                started = time.perf_counter()
                page.goto(f"{url}/{address}")
                page.locator(content).first.wait_for(timeout=60_000)
                seconds.append(time.perf_counter() - started)
                page.close()
            timings[address or "oversikt"] = (seconds[0], statistics.median(seconds[1:]))
        browser.close()
    return timings


BARE_PAGE = """import plotly.graph_objects as go
import streamlit as st

st.title("Bare")
st.plotly_chart(go.Figure(go.Scatter(x=[2019, 2020, 2021, 2022], y=[240, 262, 255, 270])))
st.html('<div data-testid="page-drawn" hidden></div>')
"""
FLOOR = 1.2


def _drawn_seconds(page, url: str) -> float:  # noqa: ANN001 - a Playwright page
    started = time.perf_counter()
    page.goto(url, wait_until="domcontentloaded")
    wait_until_drawn(page)
    return time.perf_counter() - started


def against_bare_page(data_dir: Path, repeat: int) -> tuple[float, dict[str, float]]:
    """(the bare page's median seconds to drawn, {page and language: median seconds to drawn}), alternating."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        bare_script = Path(scratch) / "bare.py"
        bare_script.write_text(BARE_PAGE, encoding="utf-8")
        with (
            streamlit_server(data_dir) as url,
            streamlit_server(data_dir, script=bare_script) as bare_url,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            bare, pages = [], {}
            for _, _, address in APP_PAGES:
                for language in ("nb", "en"):
                    _drawn_seconds(page, f"{url}/{address}?lang={language}")  # warm: the tables are cached
                    seconds = []
                    for _ in range(repeat):
                        bare.append(_drawn_seconds(page, bare_url))
                        seconds.append(_drawn_seconds(page, f"{url}/{address}?lang={language}"))
                    pages[f"{address} ({language})"] = statistics.median(seconds)
            browser.close()
    return statistics.median(bare), pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data-dir", type=Path)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = arguments.data_dir or Path(scratch)
        if not DataPaths(data_dir).published.exists():
            result = run_refresh_in(data_dir, str(MIRROR))
            if not result.success:
                raise SystemExit("refresh failed:\n" + "\n".join(failures(result)))
        queries = query_timings(DataPaths(data_dir).published, arguments.repeat)
        scripts = script_timings(data_dir, arguments.repeat)
        pages = page_timings(data_dir, arguments.repeat)
        bare, drawn = against_bare_page(data_dir, arguments.repeat)
    print(f"| page | drawn (s) | times the bare page ({bare:.2f} s) | within {FLOOR}x |\n|---|---|---|---|")
    for name, seconds in drawn.items():
        print(f"| {name} | {seconds:.2f} | {seconds / bare:.2f} | {'yes' if seconds <= FLOOR * bare else 'no'} |")
    print()
    print(
        "| page | server script run (s) | browser: first load after start (s) | browser: later loads (s) |\n"
        "|---|---|---|---|"
    )
    for page, (cold, warm) in pages.items():
        print(f"| {page} | {scripts[page]:.2f} | {cold:.2f} | {warm:.2f} |")
    slowest = max(queries, key=queries.get)
    print(
        f"\nslowest query: `SELECT * FROM {slowest}` {queries[slowest] * 1000:.0f} ms "
        f"(all {len(queries)} tables: {sum(queries.values()) * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
