"""Benchmark: CTDC ingest, and the whole refresh with the real CTDC file and with it repeated 16 times.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_ctdc.py [--repeat 5]      # ingest next to the CSV read
    PYTHONPATH=. .venv/bin/python benchmarks/bench_ctdc.py --refresh [--times 16] [--repeat 3]

`--refresh` runs the real `refresh` job (`pipelines.refresh.run_refresh_in`) from the mirror and
from a temporary copy of the mirror whose CTDC file holds its records `--times` times (header
once), alternately, `--repeat` times each. Each run is a child process, which reports its refresh
time, its peak resident memory (`ru_maxrss`) and Dagster's duration of each CTDC step; the table
gives medians and the highest peak. The copy is built in a temporary
folder and deleted afterwards: no copy of an upstream file is ever kept in the repository.

`ctdc_timings(repeat)` returns the ingest medians, so `benchmarks/bench.py` can print them in its table.
"""

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipelines.refresh import failures, run_refresh_in  # noqa: E402
from pipelines.sources.iom_ctdc.assets import CTDC_SYNTHETIC  # noqa: E402
from pipelines.sources.iom_ctdc.cells import count_cells  # noqa: E402
from pipelines.sources.iom_ctdc.facts import facts_from_cells  # noqa: E402
from pipelines.sources.iom_ctdc.parse import stage_records  # noqa: E402

MIRROR = REPO.parent / "shared" / "data"
CTDC_FILE = MIRROR / CTDC_SYNTHETIC.mirror_path


def read_csv_alone() -> None:
    """The floor: the CSV read into memory as text, nothing else."""
    pl.read_csv(CTDC_FILE, infer_schema=False)


def ingest() -> None:
    """What the CTDC assets do, in an in-memory DuckDB: stage the records, count the cells once, shape the facts."""
    with duckdb.connect() as connection:
        stage_records(connection, "records", CTDC_FILE, "iom_ctdc:bench")
        facts_from_cells(count_cells(connection, "records", CTDC_FILE.name))


def median_seconds(task: Callable[[], None], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        task()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def ctdc_timings(repeat: int = 5) -> dict[str, float]:
    """Median seconds: reading the CSV alone, and the whole CTDC ingest."""
    return {
        "read the CTDC CSV alone": median_seconds(read_csv_alone, repeat),
        "CTDC ingest": median_seconds(ingest, repeat),
    }


def repeated_mirror(folder: Path, times: int) -> Path:
    """A mirror in `folder`: links to the mirrored files, but the CTDC file written with its records `times` times."""
    for path in MIRROR.rglob("*"):
        if path.is_file() and path != CTDC_FILE:
            target = folder / path.relative_to(MIRROR)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)
    header, _, body = CTDC_FILE.read_bytes().partition(b"\n")
    target = folder / CTDC_SYNTHETIC.mirror_path
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as stream:
        stream.write(header + b"\n")
        for _ in range(times):
            stream.write(body if body.endswith(b"\n") else body + b"\n")
    return folder


def refresh_in_child(mirror: Path) -> dict:
    """One refresh from `mirror` in a fresh Python process: what `child` reports, and the process's wall time."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(mirror)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"refresh from {mirror} failed:\n{done.stdout}{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1]) | {"process_seconds": time.perf_counter() - started}


def child(mirror: Path) -> None:
    """Run the refresh from `mirror` into a temporary data dir; print one JSON line of measurements."""
    with tempfile.TemporaryDirectory() as data_dir:
        started = time.perf_counter()
        result = run_refresh_in(Path(data_dir), str(mirror))
        seconds = time.perf_counter() - started
    if not result.success:
        raise SystemExit("refresh failed:\n" + "\n".join(failures(result)))
    steps = {
        event.step_key: event.event_specific_data.duration_ms / 1000
        for event in result.all_events
        if event.is_step_success and "ctdc" in (event.step_key or "")
    }
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"refresh_seconds": seconds, "peak_mib": peak_mib, "ctdc_steps": steps}))


def compare_refreshes(times: int, repeat: int) -> None:
    """Print the refresh with the real CTDC file and with it repeated `times` times, as Markdown tables.

    The two alternate, `repeat` times each; times are medians, the peak the highest seen.
    """
    with tempfile.TemporaryDirectory() as folder:
        mirrors = {"real file": MIRROR, f"{times}× the records": repeated_mirror(Path(folder), times)}
        runs: dict[str, list[dict]] = {name: [] for name in mirrors}
        for _ in range(repeat):
            for name, mirror in mirrors.items():
                runs[name].append(refresh_in_child(mirror))
    summary = {name: _summary(measured) for name, measured in runs.items()}
    print(f"| CTDC file | refresh (s) | process (s) | peak RSS (MiB) |  (median of {repeat})\n|---|---|---|---|")
    for name, run in summary.items():
        print(f"| {name} | {run['refresh_seconds']:.1f} | {run['process_seconds']:.1f} | {run['peak_mib']:.0f} |")
    real, repeated = summary.values()
    print(f"\n{times}× / real: {repeated['refresh_seconds'] / real['refresh_seconds']:.2f}× the refresh time")
    print(f"\n| CTDC step | {' | '.join(summary)} (s) |\n|---|---|---|")
    for step in sorted({step for run in summary.values() for step in run["ctdc_steps"]}):
        seconds = [f"{run['ctdc_steps'].get(step, 0):.2f}" for run in summary.values()]
        print(f"| {step} | {' | '.join(seconds)} |")


def _summary(runs: list[dict]) -> dict:
    """Median times (refresh, process, each CTDC step) and the highest peak of several runs."""
    steps = {step for run in runs for step in run["ctdc_steps"]}
    return {
        "refresh_seconds": statistics.median(run["refresh_seconds"] for run in runs),
        "process_seconds": statistics.median(run["process_seconds"] for run in runs),
        "peak_mib": max(run["peak_mib"] for run in runs),
        "ctdc_steps": {step: statistics.median(run["ctdc_steps"].get(step, 0) for run in runs) for step in steps},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, help="runs per measure (default 5 for the ingest, 3 for --refresh)")
    parser.add_argument("--refresh", action="store_true", help="time whole refreshes (real file and --times ×)")
    parser.add_argument("--times", type=int, default=16)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments.child)
    elif arguments.refresh:
        compare_refreshes(arguments.times, arguments.repeat or 3)
    else:
        repeat = arguments.repeat or 5
        print(f"| step ({CTDC_FILE.stat().st_size / 1e6:.1f} MB) | median of {repeat} (s) |\n|---|---|")
        for step, seconds in ctdc_timings(repeat).items():
            print(f"| {step} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
