"""Benchmark: each page's time to finish drawing against a bare Streamlit page with one Plotly chart, and queries.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_dashboard.py [--repeat 3] [--data-dir DIR]

Serves `dashboard/app.py` with Streamlit on 127.0.0.1 against a published file (refreshing from the
mirror into a temporary data dir unless `--data-dir` names one) beside a bare Streamlit page with one
Plotly chart, and loads them alternately in one tab of Debian's headless chromium (Playwright, no
browser download): every page in both languages, timed from navigation until it has finished drawing
(`dashboard.headless.DRAWN`). The floor is 1.2 times the bare page (issue 20). Where the time goes:
the server's share (the page's script run through Streamlit's testing API, tables cached), the
browser's main-thread task and script time (Chrome's own Performance metrics) and each query the pages
run, timed alone against the published file. "First load" is a page's first visit after the server
started.
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
from dashboard.headless import CHROMIUM, CHROMIUM_ARGS, streamlit_server, wait_until_drawn  # noqa: E402
from dashboard.pages import PAGES as APP_PAGES  # noqa: E402
from dashboard.ui import PUBLISHED_TABLES  # noqa: E402
from pipelines.refresh import failures, run_refresh_in  # noqa: E402
from reporting.published import open_published  # noqa: E402

MIRROR = REPO.parent / "shared" / "data"


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
    for page, _title, address in APP_PAGES:
        app = AppTest.from_file(app_file, default_timeout=120).run()
        app.switch_page(page).run()
        timings[address] = median_seconds(app.run, repeat)
    return timings


BARE_PAGE = """import plotly.graph_objects as go
import streamlit as st

st.title("Bare")
st.plotly_chart(go.Figure(go.Scatter(x=[2019, 2020, 2021, 2022], y=[240, 262, 255, 270])))
st.html('<div data-testid="page-drawn" hidden></div>')
"""
FLOOR = 1.2


def _drawn(page, session, url: str) -> tuple[float, float, float]:  # noqa: ANN001 - Playwright page, CDP session
    """(seconds until drawn, seconds the browser's main thread ran tasks, of which running scripts) for one load.

    The main thread's share is counted from the document's DOMContentLoaded (Chrome's counters start again when a
    navigation moves the tab to a new renderer process) until drawn: it leaves out parsing the HTML.
    """
    started = time.perf_counter()
    page.goto(url, wait_until="domcontentloaded")
    before = _metrics(session)
    wait_until_drawn(page)
    seconds = time.perf_counter() - started
    after = _metrics(session)
    return seconds, after["TaskDuration"] - before["TaskDuration"], after["ScriptDuration"] - before["ScriptDuration"]


def _metrics(session) -> dict[str, float]:  # noqa: ANN001 - a CDP session
    return {metric["name"]: metric["value"] for metric in session.send("Performance.getMetrics")["metrics"]}


def against_bare_page(data_dir: Path, repeat: int) -> tuple[tuple[float, float, float], dict[str, dict[str, float]]]:
    """The bare page's medians (drawn, main thread, scripts) and, per page and language, the first load after the
    server started and the medians of later loads, measured alternating with the bare page in one browser tab."""
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
            session = page.context.new_cdp_session(page)
            session.send("Performance.enable")
            _drawn(page, session, bare_url)  # the front end's files in the browser's cache for both servers
            bare, pages = [], {}
            for _, _, address in APP_PAGES:
                for language in ("nb", "en"):
                    first = _drawn(page, session, f"{url}/{address}?lang={language}")
                    loads = []
                    for _ in range(repeat):
                        bare.append(_drawn(page, session, bare_url))
                        loads.append(_drawn(page, session, f"{url}/{address}?lang={language}"))
                    pages[f"{address} ({language})"] = {
                        "first": first[0],
                        **{name: statistics.median(load[i] for load in loads) for i, name in enumerate(MEASURES)},
                    }
            browser.close()
    return tuple(statistics.median(load[i] for load in bare) for i in range(3)), pages


MEASURES = ("drawn", "main thread", "scripts")


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
        bare, pages = against_bare_page(data_dir, arguments.repeat)
    print(
        "| page | server's script (s) | first load (s) | drawn (s) | × bare page | within "
        f"{FLOOR}× | browser main thread (s) | of which scripts (s) |\n|---|---|---|---|---|---|---|---|"
    )
    print(f"| bare page, one chart | | | {bare[0]:.2f} | 1.00 | | {bare[1]:.2f} | {bare[2]:.2f} |")
    for name, measured in pages.items():
        address = name.split(" ")[0]
        ratio = measured["drawn"] / bare[0]
        print(
            f"| {name} | {scripts[address]:.2f} | {measured['first']:.2f} | {measured['drawn']:.2f} | {ratio:.2f} | "
            f"{'yes' if ratio <= FLOOR else 'no'} | {measured['main thread']:.2f} | {measured['scripts']:.2f} |"
        )
    slowest = max(queries, key=queries.get)
    print(
        f"\nslowest query: `SELECT * FROM {slowest}` {queries[slowest] * 1000:.0f} ms "
        f"(all {len(queries)} tables: {sum(queries.values()) * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
