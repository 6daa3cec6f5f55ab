"""Benchmark: the dashboard's time to first render per page, and its slowest query.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_dashboard.py [--repeat 3] [--data-dir DIR]

Serves `dashboard/app.py` with Streamlit on 127.0.0.1 against a published file (refreshing from
the mirror into a temporary data dir unless `--data-dir` names one), and opens each page in
Debian's headless chromium (Playwright, no browser download): the time from navigation until the
page's content element is visible, and the server's own share (the page script run through
Streamlit's testing API, tables cached). "Cold" is the first page load after the server started (the
published tables are read then); "warm" is the median of later loads (the tables come from
Streamlit's cache). Each query the pages run is timed alone against the published file.
Prints Markdown tables for the README.
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
from dashboard.headless import CHROMIUM, CHROMIUM_ARGS, PAGES, streamlit_server  # noqa: E402
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
