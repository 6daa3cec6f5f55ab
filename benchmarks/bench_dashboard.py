"""Benchmark: each page's time to finish drawing against a bare Streamlit page with one Plotly chart, and queries.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_dashboard.py [--repeat 3] [--states fresh,lived-in]
        [--data-dir DIR] [--readme-dir DIR] [--lived-in-dir DIR] [--against OTHER/dashboard/app.py]

Serves `dashboard/app.py` with Streamlit on 127.0.0.1 beside a bare Streamlit page with one Plotly chart, on
three published states: a fresh one (one refresh from the mirror into a temporary data dir, unless `--data-dir`
names one), the README's path (`offline-then-mirror`: a refresh offline, then one from the mirror, 75,000
revisions) and one that has lived a year (`tests/published_states.lived_in`: an offline refresh, the mirror,
then nine refreshes revising figures, eleven kept publications; built once into `--lived-in-dir` and reused
there). It loads the app's pages and the bare page alternately in one tab of Debian's headless chromium
(Playwright, no browser download): every page in both languages, timed from navigation until it has finished
drawing (`dashboard.headless.DRAWN`); with `--against`, another checkout's app (`git archive COMMIT | tar -x -C
DIR`, DIR beside `../shared` as the repository is, or Mørketall has no examples; it imports its own checkout's
modules) is served too and its pages loaded beside these, so that a change is
measured before and after under the same load. The floors (issue 33): 1.5 times the bare page for a page with a chart,
1.2 times for one without. Where the time goes:
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
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

sys.path.insert(0, str(REPO / "tests"))

from bench_ctdc import median_seconds  # noqa: E402 - beside this file
from published_states import lived_in, offline_then_mirror  # noqa: E402 - the tests' published states

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
FLOOR_WITH_CHARTS, FLOOR_WITHOUT = 1.5, 1.2
CHARTS = "document.querySelectorAll('.js-plotly-plot').length"


def _drawn(page, session, url: str) -> tuple[float, float, float, int]:  # noqa: ANN001 - Playwright page, CDP session
    """(seconds until drawn, seconds the browser's main thread ran tasks, of which running scripts, charts drawn)
    for one load.

    The main thread's share is counted from the document's DOMContentLoaded (Chrome's counters start again when a
    navigation moves the tab to a new renderer process) until drawn: it leaves out parsing the HTML.
    """
    started = time.perf_counter()
    page.goto(url, wait_until="domcontentloaded")
    before = _metrics(session)
    wait_until_drawn(page)
    seconds = time.perf_counter() - started
    after = _metrics(session)
    task, script = after["TaskDuration"] - before["TaskDuration"], after["ScriptDuration"] - before["ScriptDuration"]
    return seconds, task, script, page.evaluate(CHARTS)


def _metrics(session) -> dict[str, float]:  # noqa: ANN001 - a CDP session
    return {metric["name"]: metric["value"] for metric in session.send("Performance.getMetrics")["metrics"]}


def against_bare_page(
    data_dir: Path, repeat: int, against: Path | None = None
) -> tuple[tuple[float, float, float], dict[str, dict[str, float]]]:
    """The bare page's medians (drawn, main thread, scripts) and, per page and language, the first load after the
    server started and the medians of later loads, measured alternating with the bare page in one browser tab; with
    `against` (another checkout's `dashboard/app.py`), that app's page is loaded beside each too ("against")."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch, ExitStack() as servers:
        bare_script = Path(scratch) / "bare.py"
        bare_script.write_text(BARE_PAGE, encoding="utf-8")
        url = servers.enter_context(streamlit_server(data_dir))
        bare_url = servers.enter_context(streamlit_server(data_dir, script=bare_script))
        other_url = servers.enter_context(streamlit_server(data_dir, script=against)) if against else None
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            session = page.context.new_cdp_session(page)
            session.send("Performance.enable")
            _drawn(page, session, bare_url)  # the front end's files in the browser's cache for both servers
            bare, pages = [], {}
            for _, _, address in APP_PAGES:
                for language in ("nb", "en"):
                    first = _drawn(page, session, f"{url}/{address}?lang={language}")
                    if other_url:  # its first load too, left out
                        _drawn(page, session, f"{other_url}/{address}?lang={language}")
                    loads, others = [], []
                    for _ in range(repeat):
                        bare.append(_drawn(page, session, bare_url))
                        loads.append(_drawn(page, session, f"{url}/{address}?lang={language}"))
                        if other_url:
                            others.append(_drawn(page, session, f"{other_url}/{address}?lang={language}")[0])
                    pages[f"{address} ({language})"] = {
                        "first": first[0],
                        "charts": first[3],
                        **{name: statistics.median(load[i] for load in loads) for i, name in enumerate(MEASURES)},
                        **({"against": statistics.median(others)} if others else {}),
                    }
            browser.close()
    return tuple(statistics.median(load[i] for load in bare) for i in range(3)), pages


MEASURES = ("drawn", "main thread", "scripts")


def measure(data_dir: Path, repeat: int, against: Path | None = None) -> None:
    """Prints one state's table: each page beside the bare page (and `against`'s, see `against_bare_page`), and the
    slowest query."""
    queries = query_timings(DataPaths(data_dir).published, repeat)
    scripts = script_timings(data_dir, repeat)
    bare, pages = against_bare_page(data_dir, repeat, against)
    extra = (" against: drawn (s) | × bare page |", "---|---|") if against else ("", "")
    print(
        "| page | charts | server's script (s) | first load (s) | drawn (s) | × bare page | within floor "
        f"| browser main thread (s) | of which scripts (s) |{extra[0]}\n|---|---|---|---|---|---|---|---|---|{extra[1]}"
    )
    bare_row = f"| bare page, one chart | 1 | | | {bare[0]:.2f} | 1.00 | | {bare[1]:.2f} | {bare[2]:.2f} |"
    print(bare_row + (" | |" if against else ""))
    for name, measured in pages.items():
        address = name.split(" ")[0]
        ratio = measured["drawn"] / bare[0]
        floor = FLOOR_WITH_CHARTS if measured["charts"] else FLOOR_WITHOUT
        other = f" {measured['against']:.2f} | {measured['against'] / bare[0]:.2f} |" if against else ""
        print(
            f"| {name} | {measured['charts']} | {scripts[address]:.2f} | {measured['first']:.2f} | "
            f"{measured['drawn']:.2f} | {ratio:.2f} | {'yes' if ratio <= floor else 'no'} ({floor}×) | "
            f"{measured['main thread']:.2f} | {measured['scripts']:.2f} |{other}"
        )
    slowest = max(queries, key=queries.get)
    print(
        f"\nslowest query: `SELECT * FROM {slowest}` {queries[slowest] * 1000:.0f} ms "
        f"(all {len(queries)} tables: {sum(queries.values()) * 1000:.0f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, help="a fresh published state to use (else one refresh)")
    parser.add_argument("--lived-in-dir", type=Path, help="where the lived-in state is built once and reused")
    parser.add_argument("--readme-dir", type=Path, help="an offline-then-mirror state to use (else built)")
    parser.add_argument(
        "--states", default="fresh,offline-then-mirror,lived-in", help="which states to measure, comma-separated"
    )
    parser.add_argument(
        "--against", type=Path, help="another checkout's dashboard/app.py, measured beside this one (before and after)"
    )
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        for state in arguments.states.split(","):
            if state == "fresh":
                data_dir = arguments.data_dir or work / "fresh"
                if not DataPaths(data_dir).published.exists():
                    result = run_refresh_in(data_dir, str(MIRROR))
                    if not result.success:
                        raise SystemExit("refresh failed:\n" + "\n".join(failures(result)))
            elif state == "offline-then-mirror":
                data_dir = arguments.readme_dir or work / "offline-then-mirror"
                if not DataPaths(data_dir).published.exists():
                    offline_then_mirror(data_dir, MIRROR)
            else:
                data_dir = lived_in(arguments.lived_in_dir or work / "lived-in", MIRROR, work / "inputs").root
            print(f"\n### {state}\n")
            measure(data_dir, arguments.repeat, arguments.against)


if __name__ == "__main__":
    main()
