"""Benchmark: CTDC ingest (read, aggregate to facts and profiles) next to reading the CSV alone.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_ctdc.py [--repeat 5]

`ctdc_timings(repeat)` returns the medians, so `benchmarks/bench.py` can print them in its table.
"""

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipelines.sources.iom_ctdc import harmonise  # noqa: E402
from pipelines.sources.iom_ctdc.parse import read_ctdc  # noqa: E402

CTDC_FILE = REPO.parent / "shared" / "data" / "iom" / "ctdc_global_synthetic_20210825.csv"


def read_csv_alone() -> None:
    """The floor: the CSV read into memory as text, nothing else."""
    pl.read_csv(CTDC_FILE, infer_schema=False)


def ingest() -> None:
    """What the CTDC assets do: read and type the records, then facts and profile mart."""
    records = read_ctdc(CTDC_FILE)
    harmonise.to_facts(records, "iom_ctdc:bench", CTDC_FILE.name)
    harmonise.profiles(records, "iom_ctdc:bench", CTDC_FILE.name)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    print(f"| step ({CTDC_FILE.stat().st_size / 1e6:.1f} MB) | median of {repeat} (s) |\n|---|---|")
    for step, seconds in ctdc_timings(repeat).items():
        print(f"| {step} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
