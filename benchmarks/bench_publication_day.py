"""Benchmark: publication day, many readers at once on two dashboard processes (issue 37 item 3).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_publication_day.py [--readers 50] [--processes 2]
        [--browsers 4] [--page oversikt|all] [--timeout 300] [--data-dir DIR]

Serves `dashboard/app.py` in `--processes` Streamlit processes on 127.0.0.1 (as `deploy/` runs them behind the
proxy) against a published file (refreshing from the mirror into a temporary data dir unless `--data-dir` names
one). Each process first serves one reader alone (the front page), as a running server has. Then every reader
arrives at the same moment, reader i on process i mod `--processes` (the proxy's spread), half in Norwegian,
half in English:

- `--browsers` of them are pages of Debian's headless chromium (Playwright, no browser download), timed from
  navigation until the page has finished drawing (`dashboard.headless.DRAWN`);
- the rest are sessions over Streamlit's own websocket protocol (what the browser's front end sends and
  receives), timed from connecting until the page's script has finished and every element of the page has
  arrived; they leave out only the reader's own browser drawing it, which on publication day runs on each
  reader's own machine, not on the server.

A reader that does not finish within `--timeout` seconds, loses its connection, or gets a page with an error
on it counts as an error. Prints the median, the 95th percentile and the slowest time, per kind of reader and
for all, and the errors, as a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import websockets  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from core.settings import DataPaths  # noqa: E402
from dashboard.headless import CHROMIUM, CHROMIUM_ARGS, DRAWN, streamlit_server  # noqa: E402
from dashboard.pages import PAGES  # noqa: E402
from pipelines.refresh import failures, run_refresh_in  # noqa: E402

MIRROR = REPO.parent / "shared" / "data"
FRONT_PAGE = PAGES[0][2]
DRAWN_MARK = 'data-testid="page-drawn"'
"""The mark the app puts at the end of every page (what `DRAWN` looks for in the browser)."""


@dataclass
class Reader:
    """One reader: which process and page, in which language, through what, and what it met."""

    number: int
    base_url: str
    page: str
    language: str
    browser: bool
    seconds: float | None = None
    error: str | None = None

    @property
    def url(self) -> str:
        return f"{self.base_url}/{self.page}?lang={self.language}"


async def websocket_reader(reader: Reader, timeout: float) -> None:
    """Open the page over Streamlit's websocket as its front end does, until the script has finished."""
    address = reader.base_url.replace("http://", "ws://") + "/_stcore/stream"
    request = BackMsg()
    request.rerun_script.query_string = f"lang={reader.language}"
    request.rerun_script.page_name = reader.page
    started = time.perf_counter()
    try:
        async with (
            asyncio.timeout(timeout),
            websockets.connect(
                address, subprotocols=["streamlit"], max_size=None, open_timeout=timeout, ping_interval=None
            ) as connection,  # a browser sends no pings of its own
        ):
            await connection.send(request.SerializeToString())
            marked = False
            while True:
                message = ForwardMsg()
                message.ParseFromString(await connection.recv())
                kind = message.WhichOneof("type")
                element = message.delta.new_element if kind == "delta" else None
                if element is not None and element.WhichOneof("type") == "exception":
                    reader.error = f"page {reader.page}: an error on the page: {element.exception.message[:120]}"
                elif element is not None and element.WhichOneof("type") == "html":
                    marked = marked or DRAWN_MARK in element.html.body
                elif kind == "page_not_found":
                    reader.error = f"no page {reader.page!r}"
                elif kind == "script_finished" and message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    if message.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                        reader.error = reader.error or f"the script ended with status {message.script_finished}"
                    break  # a run that ended early for a rerun (the page's own) is followed by that rerun
            if not marked and reader.error is None:
                reader.error = "the page's script finished without its page-drawn mark"
    except TimeoutError:
        reader.error = f"not finished within {timeout:.0f} s"
    except (OSError, websockets.WebSocketException) as error:
        reader.error = f"{type(error).__name__}: {error}"
    if reader.error is None:
        reader.seconds = time.perf_counter() - started


MARK_DRAWN = f"""(() => {{
    const drawn = {DRAWN};
    const look = () => drawn() ? (window.drawnAt = performance.now()) : requestAnimationFrame(look);
    requestAnimationFrame(look);
}})()"""
"""Run in every page before its own scripts: the time (from the page's navigation) when it was first drawn."""


def browser_readers(readers: list[Reader], ready: threading.Event, start: threading.Event, timeout: float) -> None:
    """Every browser reader as a page of one headless chromium, all navigating when `start` is set; each page's
    time is its own, from its navigation until it was drawn (`MARK_DRAWN`). A browser that fails fails its
    readers (each then has an error)."""
    try:
        _browse(readers, ready, start, timeout)
    except Exception as error:
        for reader in readers:
            if reader.seconds is None and reader.error is None:
                reader.error = f"the browser stopped: {type(error).__name__}: {str(error).splitlines()[0][:120]}"
    finally:
        ready.set()


def _browse(readers: list[Reader], ready: threading.Event, start: threading.Event, timeout: float) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = [browser.new_context(viewport={"width": 1280, "height": 900}).new_page() for _ in readers]
        for page in pages:
            page.add_init_script(MARK_DRAWN)
        ready.set()
        start.wait()
        for page, reader in zip(pages, readers, strict=True):  # every navigation starts, none waits for another
            page.evaluate("address => { window.location.href = address; }", reader.url)
        for page, reader in zip(pages, readers, strict=True):
            try:
                page.wait_for_function("() => window.drawnAt !== undefined", timeout=timeout * 1000)
                reader.seconds = page.evaluate("window.drawnAt") / 1000
            except PlaywrightError as error:
                reader.error = f"page {reader.page} in chromium: {str(error).splitlines()[0][:160]}"
        browser.close()


def readers_for(urls: list[str], count: int, browsers: int, page: str) -> list[Reader]:
    """`count` readers spread over the processes in turn, half in each language; every `count // browsers`-th a
    browser; all on `page`, or on every page in turn (`all`)."""
    every = max(1, count // browsers) if browsers else count + 1
    chosen = [address for _, _, address in PAGES] if page == "all" else [page]
    return [
        Reader(number, urls[number % len(urls)], chosen[number % len(chosen)], ("nb", "en")[number % 2],
               browser=browsers > 0 and number % every == 0 and number // every < browsers)
        for number in range(count)
    ]  # fmt: skip


def publication_day(urls: list[str], readers: list[Reader], timeout: float) -> float:
    """Let every reader in at once; returns the seconds until the last one finished."""
    in_browser = [reader for reader in readers if reader.browser]
    ready, start = threading.Event(), threading.Event()
    browsers = threading.Thread(target=browser_readers, args=(in_browser, ready, start, timeout))
    browsers.start()
    ready.wait(timeout=120)

    async def everyone() -> None:
        start.set()
        await asyncio.gather(*(websocket_reader(reader, timeout) for reader in readers if not reader.browser))

    began = time.perf_counter()
    asyncio.run(everyone())
    browsers.join(timeout + 60)
    return time.perf_counter() - began


def warm_up(urls: list[str], timeout: float) -> None:
    """One reader alone on each process (the front page), as a server that has been running has served."""
    for url in urls:
        reader = Reader(0, url, FRONT_PAGE, "nb", browser=False)
        asyncio.run(websocket_reader(reader, timeout))
        if reader.error:
            raise SystemExit(f"the dashboard at {url} did not serve its front page: {reader.error}")


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def table(readers: list[Reader], wall: float) -> str:
    lines = [
        "| readers | count | median (s) | 95th percentile (s) | slowest (s) | errors |",
        "|---|---|---|---|---|---|",
    ]
    groups = {"websocket sessions": [r for r in readers if not r.browser],
              "chromium pages (drawn)": [r for r in readers if r.browser], "all": readers}  # fmt: skip
    for name, group in groups.items():
        times = [reader.seconds for reader in group if reader.seconds is not None]
        errors = len(group) - len(times)  # an error, or no answer at all
        if not group:
            continue
        if not times:
            lines.append(f"| {name} | {len(group)} | – | – | – | {errors} |")
            continue
        lines.append(f"| {name} | {len(group)} | {statistics.median(times):.2f} | {percentile(times, 0.95):.2f} | "
                     f"{max(times):.2f} | {errors} |")  # fmt: skip
    said = sorted({reader.error for reader in readers if reader.error})
    return "\n".join([*lines, f"\nall {len(readers)} readers done in {wall:.1f} s", *(f"- error: {e}" for e in said)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--browsers", type=int, default=4, help="how many of the readers are chromium pages")
    parser.add_argument("--page", default=FRONT_PAGE, help="a page's address, or 'all' for every page in turn")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds a reader may take at most")
    parser.add_argument("--data-dir", type=Path)
    arguments = parser.parse_args()
    if not 1 <= arguments.readers <= 200 or not 1 <= arguments.processes <= 8:
        raise SystemExit("at most 200 readers on at most 8 processes")
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as servers:
        data_dir = arguments.data_dir or Path(scratch)
        if not DataPaths(data_dir).published.exists():
            result = run_refresh_in(data_dir, str(MIRROR))
            if not result.success:
                raise SystemExit("refresh failed:\n" + "\n".join(failures(result)))
        urls = [servers.enter_context(streamlit_server(data_dir)) for _ in range(arguments.processes)]
        warm_up(urls, arguments.timeout)
        readers = readers_for(urls, arguments.readers, min(arguments.browsers, arguments.readers), arguments.page)
        wall = publication_day(urls, readers, arguments.timeout)
    print(f"{arguments.readers} readers at once on {arguments.processes} dashboard processes, page {arguments.page}\n")
    print(table(readers, wall))


if __name__ == "__main__":
    main()
